/*
 * The KVM paravirtual interface from the guest's side, as Linux 6.1 uses it
 * (arch/powerpc/kernel/epapr_paravirt.c, kvm.c): find hcall-instructions in
 * the device tree and copy them into a hypercall stub, ask for the features
 * and map the magic page at -4096, check that the page and the trapping
 * instructions agree, then run a kernel-like loop (pvloop.S) trapping,
 * rewrite it to use the magic page, and run it again.  Also makes an
 * unknown hypercall and an OSI call, which userspace may answer
 * (enable-cap hcall-exit / osi).
 *
 * Phases are marked by reads of 0xe0000000 + 4 * phase (no device there:
 * each is an mmio exit), so a run loop can read stats between them.
 */
#include "lib.h"

#define MAGIC_EA 0xfffff000u
#define MAGIC_PA 0x00f00000u		/* a RAM page, so that `mem` shows it */
#define HC(vendor, nr) ((vendor) << 16 | (nr))
#define LOOPS 20000

uint32_t pv_kloop(uint32_t n);
extern uint32_t pv_kloop_end[], pv_templates[];
extern const uint32_t pv_sites[];

static uint32_t hcall_stub[8] __attribute__((aligned(32)));

static void sync_icache(const void *p, unsigned len)
{
	for (unsigned o = 0; o < len; o += 32)
		__asm__ volatile("dcbst 0,%0; sync; icbi 0,%0" : : "r"((const char *)p + o) : "memory");
	__asm__ volatile("isync");
}

static void mark(unsigned phase)
{
	(void)*(volatile uint32_t *)(0xe0000000u + 4 * phase);
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* A property of the flattened device tree, anywhere in it (as of_scan_flat_dt finds it). */
static const uint32_t *fdt_prop(const char *name, uint32_t *len)
{
	const uint32_t *h = (const uint32_t *)boot_fdt, *p;
	const char *strings;

	if (h[0] != 0xd00dfeed)
		return 0;
	p = (const uint32_t *)((const char *)h + h[2]);
	strings = (const char *)h + h[3];
	for (;;) {
		uint32_t tok = *p++, l;
		const char *s;

		switch (tok) {
		case 1:	/* begin node: its name, padded */
			s = (const char *)p;
			while (*s++)
				;
			p = (const uint32_t *)(((uint32_t)s + 3) & ~3u);
			break;
		case 3:	/* property: len, name offset, value */
			l = *p++;
			s = strings + *p++;
			if (streq(s, name)) {
				*len = l;
				return p;
			}
			p += (l + 3) / 4;
			break;
		case 2: case 4:
			break;
		default:
			return 0;
		}
	}
}

/* r3 = status; *r4 = the second result */
static uint32_t hypercall(uint32_t nr, uint32_t a3, uint32_t a4, uint32_t *r4)
{
	register uint32_t g3 __asm__("r3") = a3, g4 __asm__("r4") = a4, g11 __asm__("r11") = nr;

	__asm__ volatile("mtctr %3; bctrl"
			 : "+r"(g3), "+r"(g4), "+r"(g11)
			 : "r"(hcall_stub)
			 : "r0", "r5", "r6", "r7", "r8", "r9", "r10", "r12", "ctr", "lr", "cr0", "memory");
	*r4 = g4;
	return g3;
}

static volatile uint32_t *magic(unsigned off)
{
	return (volatile uint32_t *)(MAGIC_EA + off);
}

static int magic_coherent(void)
{
	int ok = 1;

	mtspr(274, 0x1234);			/* SPRG2, trapping */
	ok &= *magic(48 + 4) == 0x1234;
	*magic(64 + 4) = 0x5678;		/* SRR0, a plain store */
	ok &= mfspr(SPR_SRR0) == 0x5678;
	ok &= *magic(88 + 4) == mfmsr();
	return ok;
}

/* kvm_check_ins, for the moves and mfmsr: the magic page offset of what an mfspr/mtspr names */
static int spr_offset(unsigned spr, int to)
{
	if (spr >= 272 && spr <= 275)
		return 32 + 8 * (spr - 272) + 4;
	if (to ? spr >= 276 && spr <= 279 : spr >= 260 && spr <= 263)
		return 208 + 8 * (spr & 3) + 4;
	switch (spr) {
	case 26: return 64 + 4;
	case 27: return 72 + 4;
	case 61: return 80 + 4;
	case 62: return 200;
	}
	return -1;
}

static unsigned patch(void)
{
	unsigned n = 0;

	for (uint32_t *p = (uint32_t *)pv_kloop; p < pv_kloop_end; p++) {
		uint32_t in = *p, rt = in & 0x03e00000, spr = ((in >> 16) & 0x1f) | ((in >> 6) & 0x3e0);
		int off = -1, store = 0;

		if ((in & 0xfc1fffff) == 0x7c0000a6)		/* mfmsr */
			off = 88 + 4;
		else if ((in & 0xfc0007fe) == 0x7c0002a6)	/* mfspr */
			off = spr_offset(spr, 0);
		else if ((in & 0xfc0007fe) == 0x7c0003a6)	/* mtspr */
			off = spr_offset(spr, 1), store = 1;
		if (off < 0)
			continue;
		*p = (store ? 0x90000000u : 0x80000000u) | rt | ((off - 4096) & 0xffff);
		n++;
	}
	for (const uint32_t *s = pv_sites; s[0]; s += 2) {
		*(uint32_t *)s[0] = 0x48000000u | ((s[1] - s[0]) & 0x03fffffc);
		n++;
	}
	sync_icache((void *)pv_kloop, (uint32_t)pv_kloop_end - (uint32_t)pv_kloop);
	return n;
}

static void run_loop(const char *label)
{
	uint32_t t0 = mfspr(SPR_TBL), sum = pv_kloop(LOOPS), t1 = mfspr(SPR_TBL);

	puts(label);
	puts(" sum=");
	puthex(sum);
	puts(" ticks_per_iter=");
	putdec((t1 - t0) / LOOPS);
	puts("\n");
}

static volatile unsigned dec_taken;

void int_handler(unsigned vector, struct frame *f)
{
	if (vector == 10) {
		mtspr(SPR_TSR, 0x08000000);	/* DIS */
		mtspr(SPR_TCR, 0);
		dec_taken++;
		return;
	}
	if (vector == 8 && !(f->srr1 & MSR_PR)) {
		puts("sc: system call interrupt\n");
		return;
	}
	show("unexpected interrupt", vector);
	show("srr0", f->srr0);
	guest_exit();
}

static void arm_dec(uint32_t ticks)
{
	mtspr(SPR_TCR, 0x04000000);		/* DIE */
	mtspr(SPR_DEC, ticks);
}

/*
 * Linux's templates set critical = r1 while they rewrite the magic page's
 * MSR: an interrupt that arrives then waits, with int_pending set, until
 * the section ends.  No calls in here: r1 must not move.
 */
static __attribute__((noinline)) void critical_section(void)
{
	uint32_t r1, msr = *magic(88 + 4);

	__asm__ volatile("mr %0, %%r1" : "=r"(r1));
	*magic(24 + 4) = r1;
	*magic(88 + 4) = msr | MSR_EE;		/* EE on, as a template stores it */
	arm_dec(100);
	while (!(mfspr(SPR_TSR) & 0x08000000))
		;
	for (volatile int i = 0; i < 20000; i++)
		;
	show("critical: taken inside", dec_taken);
	show("critical: int_pending", *magic(100));
	*magic(24 + 4) = 0;
	__asm__ volatile("wrteei 1" : : : "memory");
	show("critical: taken after", dec_taken);
}

static void osi_call(void)
{
	register uint32_t g3 __asm__("r3") = 0x113724fa, g4 __asm__("r4") = 0x77810f9b;
	register uint32_t g5 __asm__("r5") = 5;

	__asm__ volatile("sc" : "+r"(g3), "+r"(g4), "+r"(g5) : : "memory");
	show("osi: r5", g5);
}

int main(void)
{
	const uint32_t *insns;
	uint32_t len, r3, r4;

	insns = fdt_prop("hcall-instructions", &len);
	if (!insns || len > 16) {
		puts("pv: no hypervisor\n");
		mark(1);
		run_loop("loop trapping:");
		mark(2);
		run_loop("loop trapping:");
		osi_call();
		return 0;
	}
	for (unsigned i = 0; i < len / 4; i++)
		hcall_stub[i] = insns[i];
	hcall_stub[len / 4] = 0x4e800020;		/* blr */
	sync_icache(hcall_stub, sizeof(hcall_stub));

	r3 = hypercall(HC(42, 3), 0, 0, &r4);
	show("features: r3", r3);
	show("features: r4", r4);
	r3 = hypercall(HC(42, 4), MAGIC_PA, MAGIC_EA | 1, &r4);
	show("map magic: r3", r3);
	show("map magic: r4", r4);
	puts(magic_coherent() ? "magic: coherent\n" : "magic: NOT coherent\n");

	critical_section();
	arm_dec(400000);			/* 1 ms */
	r3 = hypercall(HC(1, 16), 0, 0, &r4);	/* EV_IDLE */
	show("idle: r3", r3);
	show("idle: decrementer interrupts", dec_taken);
	__asm__ volatile("wrteei 0" : : : "memory");

	r3 = hypercall(HC(42, 99), 0x11, 0x22, &r4);
	show("hcall 99: r3", r3);
	show("hcall 99: r4", r4);

	mark(1);
	run_loop("loop trapping:");
	show("patched sites", patch());
	mark(2);
	run_loop("loop patched:");
	osi_call();
	return 0;
}
