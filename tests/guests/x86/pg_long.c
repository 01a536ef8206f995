/*
 * 4-level paging in long mode (entered by cpu_boot64.S, which calls
 * main), through guest tables of its own: the supervisor identity map of
 * the first GiB (4 KiB pages for the first 2 MiB, where only ring 3's
 * code and stack pages are user pages; 2 MiB pages above), then the
 * permission matrix at CPL 0 and CPL 3 for a 4 KiB page, a 2 MiB page and
 * a 1 GiB page (U/S and R/W in the leaf and in the entry above it, NX in
 * both, CR0.WP, CR4.SMEP, CR4.SMAP with EFLAGS.AC; EFER.NXE on): each
 * read, write and fetch faults exactly when the architecture says, with
 * its error code and CR2, and leaves A and D as the CPU sets them.  CPL 3
 * is entered by iretq and left by int $0x80 through the GDT, IDT and a
 * 64-bit TSS on supervisor pages.  Then a 1 GiB page in the upper half of the
 * address space, a non-canonical address (#GP, not #PF), and a 4 KiB
 * remap (PTE write + invlpg).  It stops once at port 0x510 so the files
 * can be read with this map loaded.  Exit code: the number of mismatches.
 */
#include "pgcheck.h"

#define P 0x1ull
#define W 0x2ull
#define U 0x4ull
#define A 0x20ull
#define D 0x40ull
#define PS 0x80ull
#define NX (1ull << 63)

#define CR0_WP (1ull << 16)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)


/* test addresses and the frames behind them */
#define VA4K 0x40000000ull		/* pml4[0] pdpt0[1] pdt[0] pt[0] */
#define VA2M 0x40800000ull		/* pml4[0] pdpt0[1] pdt[4]: a 2 MiB leaf */
#define VA1G 0x8000000000ull		/* pml4[1] pdpt1[0]: a 1 GiB leaf */
#define VAHI 0xffff800000000000ull	/* pml4[256] pdpthi[0]: a 1 GiB leaf */
#define FRAME4K 0x600000ull
#define FRAME2M 0x800000ull		/* probed at +0x3000 */
#define OFF1G 0x700000ull		/* probed: frame 0 + this */
#define TAG_A 0x900000ull
#define TAG_B 0x901000ull

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt0[512] __attribute__((aligned(4096)));
static uint64_t pdpt1[512] __attribute__((aligned(4096)));
static uint64_t pdpthi[512] __attribute__((aligned(4096)));
static uint64_t pd_ident[512] __attribute__((aligned(4096)));
static uint64_t pdt[512] __attribute__((aligned(4096)));
static uint64_t pt[512] __attribute__((aligned(4096)));
static uint64_t pt_low[512] __attribute__((aligned(4096)));	/* the first 2 MiB */

static struct gate idt[0x81];
extern void pf_entry64(void), gp_entry64(void), ring0_return64(void);
extern void user_enter64(int kind, uint64_t va, uint64_t rflags, uint64_t rip, uint64_t rsp);
extern const uint8_t user_probe64[], user_probe64_done[], user_probe64_end[];

static uint64_t gdt[8] = {
	0,
	0x00cf9a000000ffffull,	/* 0x08: 32-bit code (cpu_boot64.S came through it) */
	0x00cf92000000ffffull,	/* 0x10: data */
	0x00af9a000000ffffull,	/* 0x18: ring 0 64-bit code */
	0x00cff2000000ffffull,	/* 0x20: ring 3 data */
	0x00affa000000ffffull,	/* 0x28: ring 3 64-bit code */
	0, 0			/* 0x30: the TSS */
};
static uint32_t tss[26];
static uint64_t ring0_stack[512] __attribute__((aligned(4096)));
static uint8_t user_code[4096] __attribute__((aligned(4096)));
static uint8_t user_stack[4096] __attribute__((aligned(4096)));

volatile uint64_t pf_resume, pf_cr2;
volatile uint32_t pf_count, gp_count, pf_err;
static int cases;

void pg_fault64(uint64_t *frame, unsigned vector)
{
	uint64_t cr2;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	if (vector == 14) {
		pf_count++;
		pf_cr2 = cr2;
	} else {
		gp_count++;
	}
	pf_err = frame[0];
	frame[1] = pf_resume;
}

/* The GDT with ring-3 segments and the TSS (RSP0: ring0_stack), and the probe on its user page. */
static void rings_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = { sizeof(gdt) - 1, (uint64_t)gdt };
	uint64_t t = (uint64_t)tss, sp0 = (uint64_t)ring0_stack + sizeof(ring0_stack);

	tss[1] = (uint32_t)sp0;
	tss[2] = sp0 >> 32;
	tss[25] = sizeof(tss) << 16;	/* no I/O bitmap inside the limit */
	gdt[6] = (sizeof(tss) - 1) | (t & 0xffffff) << 16 | 0x89ull << 40 | (t >> 24 & 0xff) << 56;
	gdt[7] = t >> 32;
	__asm__ volatile("lgdt %0\n\tltr %w1" : : "m"(gdtr), "r"(0x30));
	memcpy(user_code, user_probe64, user_probe64_end - user_probe64);
}

/* The access at CPL 3, with EFLAGS.AC = ac there. */
static int probe_user(int kind, uint64_t va, int ac)
{
	uint32_t before = pf_count + gp_count;

	pf_resume = (uint64_t)user_code + (user_probe64_done - user_probe64);
	user_enter64(kind, va, 2 | (ac ? 0x40000 : 0), (uint64_t)user_code,
		     (uint64_t)user_stack + sizeof(user_stack));
	return pf_count + gp_count != before;
}

static uint64_t cr_get(int n)
{
	uint64_t v = 0;

	if (n == 0)
		__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	else
		__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void cr_set(int n, uint64_t v)
{
	if (n == 0)
		__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
	else
		__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static void invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static void ac_set(int on)
{
	if (on)
		__asm__ volatile("pushfq; orq $0x40000, (%%rsp); popfq" : : : "memory", "cc");
	else
		__asm__ volatile("pushfq; andq $~0x40000, (%%rsp); popfq" : : : "memory", "cc");
}

/* 1 if the access faulted (#PF or #GP; pf_err, pf_cr2 say how). */
static int probe(int kind, uint64_t va)
{
	uint32_t before = pf_count + gp_count;

	if (kind == RD)
		__asm__ volatile("leaq 1f(%%rip), %%rax\n\tmovq %%rax, pf_resume(%%rip)\n\tmovb (%0), %%al\n1:"
				 : : "r"(va) : "rax", "memory");
	else if (kind == WR)
		__asm__ volatile("leaq 1f(%%rip), %%rax\n\tmovq %%rax, pf_resume(%%rip)\n\tmovb $0xc3, (%0)\n1:"
				 : : "r"(va) : "rax", "memory");
	else
		__asm__ volatile("leaq 1f(%%rip), %%rax\n\tmovq %%rax, pf_resume(%%rip)\n\t"
				 "movq %%rsp, %%r12\n\tcall *%0\n1:\tmovq %%r12, %%rsp"
				 : : "r"(va) : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
				   "r12", "memory");
	return pf_count + gp_count != before;
}

static uint64_t rights(uint32_t bits, int shift)
{
	return (bits >> shift & 1 ? U : 0) | (bits >> (shift + 1) & 1 ? W : 0);
}

/*
 * size: 0 4 KiB, 1 2 MiB, 2 1 GiB.  bits: 0 upper.U 1 upper.W 2 leaf.U
 * 3 leaf.W 4 WP 5 SMEP 6 SMAP 7 AC 8 leaf.NX 9 upper.NX 10 CPL 3
 */
static void one(int size, uint32_t bits, int kind)
{
	static const uint64_t vas[3] = { VA4K, VA2M + 0x3000, VA1G + OFF1G };
	uint64_t va = vas[size], *upper, *leaf, want, got;
	int user = (bits & 1) && (bits >> 2 & 1), writable = (bits >> 1 & 1) && (bits >> 3 & 1);
	int wp = bits >> 4 & 1, smep = bits >> 5 & 1, smap = bits >> 6 & 1, ac = bits >> 7 & 1;
	int nx = (bits >> 8 & 1) || (bits >> 9 & 1), cpl3 = bits >> 10 & 1, faulted;
	uint64_t up = P | rights(bits, 0) | (bits >> 9 & 1 ? NX : 0);
	uint64_t lf = P | rights(bits, 2) | (bits >> 8 & 1 ? NX : 0);

	if (size == 0) {
		pdpt0[1] = (uint64_t)pdt | P | W | U;
		upper = &pdt[0];
		leaf = &pt[0];
		*upper = (uint64_t)pt | up;
		*leaf = FRAME4K | lf;
	} else if (size == 1) {
		upper = &pdpt0[1];
		leaf = &pdt[4];
		*upper = (uint64_t)pdt | up;
		*leaf = FRAME2M | PS | lf;
	} else {
		upper = &pml4[1];
		leaf = &pdpt1[0];
		*upper = (uint64_t)pdpt1 | up;
		*leaf = 0 | PS | lf;
	}
	invlpg(va);
	cr_set(0, wp ? cr_get(0) | CR0_WP : cr_get(0) & ~CR0_WP);
	cr_set(4, (cr_get(4) & ~(CR4_SMEP | CR4_SMAP)) | (smep ? CR4_SMEP : 0) | (smap ? CR4_SMAP : 0));
	if (cpl3) {
		faulted = probe_user(kind, va, ac);
	} else {
		ac_set(ac);
		faulted = probe(kind, va);
		ac_set(0);
	}
	cr_set(4, cr_get(4) & ~(CR4_SMEP | CR4_SMAP));
	cases++;
	want = access_fault(kind, cpl3, user, writable, nx, wp, smep, smap, ac, 1);	/* EFER.NXE is on */
	got = faulted ? pf_err : 0;
	if (want != got)
		report("error", bits | size << 12, kind, want, got);
	else if (faulted && pf_cr2 != va)
		report("cr2", bits | size << 12, kind, va, pf_cr2);
	else if (!faulted && !(*leaf & A))
		report("A", bits | size << 12, kind, A, *leaf);
	else if (!faulted && (!(*leaf & D)) != (kind != WR))
		report("D", bits | size << 12, kind, kind == WR ? D : 0, *leaf & D);
}

int main(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };
	uint32_t lo, hi;

	rings_init();
	gate_set(idt, 13, gp_entry64, 0);
	gate_set(idt, 14, pf_entry64, 0);
	gate_set(idt, 0x80, ring0_return64, 3);
	__asm__ volatile("lidt %0" : : "m"(idtr));
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000080));
	__asm__ volatile("wrmsr" : : "a"(lo | 0x800), "d"(hi), "c"(0xc0000080));	/* NXE */

	/* supervisor identity map of the first GiB; user rights only below the leaves */
	for (uint64_t i = 0; i < 512; i++) {
		pd_ident[i] = i << 21 | P | W | PS;
		pt_low[i] = i << 12 | P | W;
	}
	pt_low[(uint64_t)user_code >> 12] |= U;
	pt_low[(uint64_t)user_stack >> 12] |= U;
	pd_ident[0] = (uint64_t)pt_low | P | W | U;
	pdpt0[0] = (uint64_t)pd_ident | P | W | U;
	pml4[0] = (uint64_t)pdpt0 | P | W | U;
	pdpthi[0] = 0 | P | W | PS;
	pml4[256] = (uint64_t)pdpthi | P | W;
	*(volatile uint64_t *)TAG_A = 0xa1a1a1a1a1a1a1a1ull;
	*(volatile uint64_t *)TAG_B = 0xb2b2b2b2b2b2b2b2ull;
	*(volatile uint8_t *)FRAME4K = 0xc3;		/* ret: what a fetch runs */
	*(volatile uint8_t *)(FRAME2M + 0x3000) = 0xc3;
	*(volatile uint8_t *)OFF1G = 0xc3;
	__asm__ volatile("mov %0, %%cr3" : : "r"((uint64_t)pml4) : "memory");

	for (int size = 0; size < 3; size++)
		for (uint32_t bits = 0; bits < 2048; bits++)
			for (int kind = RD; kind <= FX; kind++)
				one(size, bits, kind);

	check("upper-half 1 GiB page reads", *(volatile uint64_t *)(VAHI + TAG_A) == 0xa1a1a1a1a1a1a1a1ull);
	pf_count = gp_count = 0;
	check("non-canonical address: #GP", probe(RD, 0x0000800000000000ull) && gp_count == 1 && !pf_count);
	check("unmapped upper-half address: #PF", probe(RD, VAHI + (1ull << 30)) && pf_count == 1 &&
	      pf_err == 0 && pf_cr2 == VAHI + (1ull << 30));
	pdt[0] = (uint64_t)pt | P | W;
	pt[1] = TAG_A | P | W;
	invlpg(VA4K + 0x1000);
	check("4 KiB page reads its frame", *(volatile uint64_t *)(VA4K + 0x1000) == 0xa1a1a1a1a1a1a1a1ull);
	pt[1] = TAG_B | P | W;
	invlpg(VA4K + 0x1000);
	check("remapped 4 KiB page reads the new frame",
	      *(volatile uint64_t *)(VA4K + 0x1000) == 0xb2b2b2b2b2b2b2b2ull);
	pdt[4] = FRAME2M | PS | P | W | NX;
	pdpt0[1] = (uint64_t)pdt | P | W;
	invlpg(VA2M);
	*(volatile uint8_t *)(VA2M + 0x5000) = 1;
	outb(0x510, 1);		/* userspace looks at tlb, translate, mmu */

	ser_puts("pg_long: ");
	put_dec(cases);
	ser_puts(" cases, ");
	put_dec(failures);
	ser_puts(" mismatches\n");
	return failures;
}
