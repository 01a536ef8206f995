/*
 * The system instructions and MSRs a kernel (and kvm-unit-tests) uses, in
 * long mode (entered by cpu_boot64.S, which calls main): the cpuid vendor
 * and signature, the KVM hypercall ABI through vmcall and vmmcall (also
 * from ring 3), invpcid types 0-3 flushing a remapped page, xgetbv/xsetbv
 * and rdpru #UD, icebp as a trap, rdpmc without counters, clflush,
 * clflushopt and clwb checking their address, monitor/mwait #UD as cpuid
 * hides them, the MSRs of MTRR, PAT, MCA and ARCH_CAPABILITIES, lgdt/lidt
 * with a 64-bit base, RF in the frame of a fault and not of a trap, the
 * single-step trap after syscall (FMASK clears TF) and after sysret
 * (R11 sets TF), invlpg of a non-canonical address.  Each prints a line;
 * what they must print is the SDM's (tests/unit/test_x86_cpu.c).
 */
#include "lib.h"

/* what trap_entry pushes, then the CPU's frame */
struct frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rdi, rsi, rbp, rdx, rcx, rbx, rax;
	uint64_t vec, err, rip, cs, rflags, rsp, ss;
};

static struct gate idt[0x81];
static uint64_t gdt[8] = {
	0,
	0x00cf9a000000ffffull,	/* 0x08: 32-bit code (cpu_boot64.S came through it) */
	0x00cf92000000ffffull,	/* 0x10: data */
	0x00af9a000000ffffull,	/* 0x18: ring 0 64-bit code; syscall's CS (SS 0x20) */
	0x00cff2000000ffffull,	/* 0x20: ring 3 data; sysret's SS (0x23) */
	0x00affa000000ffffull,	/* 0x28: ring 3 64-bit code; sysret's CS (0x2b) */
	0, 0			/* 0x30: the TSS */
};
static uint32_t tss[26];
static uint64_t ring0_stack[512] __attribute__((aligned(16)));
uint64_t user_stack[512] __attribute__((aligned(16)));

/* the last exception: vector, error code, rip and rflags of its frame */
volatile uint64_t t_vec, t_err, t_rip, t_rflags, t_count, t_dr6;
/* where a fault resumes (0: at the faulting instruction, which must not happen) */
volatile uint64_t resume;
uint64_t kernel_rsp;

extern void trap_entry1(void), trap_entry3(void), trap_entry6(void), trap_entry7(void), trap_entry13(void),
	trap_entry14(void), ring0_return(void), syscall_entry(void);
extern void user_call(void (*fn)(void));
extern const char after_syscall[], after_icebp[], after_int3[];

__asm__(
	".text\n"
	/* vectors without an error code push a zero one */
	".macro TRAP v, err\n"
	"trap_entry\\v:\n"
	"	.if \\err == 0\n"
	"	pushq $0\n"
	"	.endif\n"
	"	pushq $\\v\n"
	"	jmp trap_common\n"
	".endm\n"
	"TRAP 1, 0\nTRAP 3, 0\nTRAP 6, 0\nTRAP 7, 0\nTRAP 13, 1\nTRAP 14, 1\n"
	"trap_common:\n"
	"	push %rax; push %rbx; push %rcx; push %rdx; push %rbp; push %rsi; push %rdi\n"
	"	push %r8; push %r9; push %r10; push %r11; push %r12; push %r13; push %r14; push %r15\n"
	"	mov %rsp, %rdi\n"
	"	call trap\n"
	"	pop %r15; pop %r14; pop %r13; pop %r12; pop %r11; pop %r10; pop %r9; pop %r8\n"
	"	pop %rdi; pop %rsi; pop %rbp; pop %rdx; pop %rcx; pop %rbx; pop %rax\n"
	"	add $16, %rsp\n"
	"	iretq\n"
	/* user_call(fn): fn runs at CPL 3 and comes back by int $0x80 */
	"user_call:\n"
	"	push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
	"	mov %rsp, kernel_rsp(%rip)\n"
	"	pushq $0x23\n"
	"	lea user_stack+4096(%rip), %rax\n"
	"	push %rax\n"
	"	pushq $2\n"
	"	pushq $0x2b\n"
	"	push %rdi\n"
	"	iretq\n"
	"ring0_return:\n"
	"	mov kernel_rsp(%rip), %rsp\n"
	"	mov $0x10, %ax\n"
	"	mov %ax, %ss\n"
	"	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
	"	ret\n"
	/* syscall with TF cleared by FMASK: counts, then sysretq (R11 has TF) */
	"syscall_entry:\n"
	"	incq in_kernel(%rip)\n"
	"	sysretq\n"
	/* ring 3: set TF, syscall; the trap comes right after sysret, before the nop */
	"user_syscall:\n"
	"	pushfq\n"
	"	orq $0x100, (%rsp)\n"
	"	popfq\n"
	"	syscall\n"
	"after_syscall:\n"
	"	nop\n"
	"	int $0x80\n"
	"user_vmcall:\n"
	"	mov $1, %eax\n"
	"	vmcall\n"
	"	mov %rax, user_rax(%rip)\n"
	"	int $0x80\n"
	"user_rdpmc:\n"
	"	lea 1f(%rip), %rax\n"
	"	mov %rax, resume(%rip)\n"
	"	xor %ecx, %ecx\n"
	"	rdpmc\n"
	"1:	int $0x80\n"
	"user_wbinvd:\n"
	"	lea 1f(%rip), %rax\n"
	"	mov %rax, resume(%rip)\n"
	"	wbinvd\n"
	"1:	int $0x80\n"
	"icebp_here:\n"
	"	.byte 0xf1\n"
	"after_icebp:\n"
	"	ret\n"
	"int3_here:\n"
	"	int3\n"
	"after_int3:\n"
	"	ret\n");

volatile uint64_t in_kernel, user_rax;
extern void user_syscall(void), user_vmcall(void), user_rdpmc(void), user_wbinvd(void), icebp_here(void),
	int3_here(void);

void trap(struct frame *f)
{
	t_vec = f->vec;
	t_err = f->err;
	t_rip = f->rip;
	t_rflags = f->rflags;
	t_count++;
	if (f->vec == 1) {
		__asm__ volatile("mov %%dr6, %0" : "=r"(t_dr6));
		f->rflags &= ~0x100ull;		/* stop stepping */
		return;
	}
	if (f->vec == 3)
		return;
	if (!resume) {
		ser_puts("unexpected exception\n");
		guest_exit(1);
	}
	f->rip = resume;
	resume = 0;
}

static void put_hex64(uint64_t v)
{
	ser_puts("0x");
	for (int sh = 60; sh >= 0; sh -= 4)
		ser_putc("0123456789abcdef"[(v >> sh) & 15]);
}

static void line(const char *what, uint64_t v)
{
	ser_puts(what);
	put_hex64(v);
	ser_putc('\n');
}

/* The exception a probe took: "name: #vec err=..." or "name: ok". */
static void outcome(const char *what, uint64_t count0)
{
	ser_puts(what);
	if (t_count == count0) {
		ser_puts(": ok\n");
		return;
	}
	ser_puts(": vector=");
	put_dec(t_vec);
	ser_puts(" error=");
	put_hex(t_err);
	ser_putc('\n');
}

/* Run the asm in `insn` (rax, rcx, rdx kept) with a fault resuming after it; print the outcome. */
#define PROBE(what, insn, ...) do {						\
		uint64_t c0 = t_count;						\
		__asm__ volatile("lea 1f(%%rip), %%r11\n\tmov %%r11, resume(%%rip)\n\t" \
				 "push %%rax\n\tpush %%rcx\n\tpush %%rdx\n\t"	\
				 insn "\n1:\tpop %%rdx\n\tpop %%rcx\n\tpop %%rax"	\
				 : : __VA_ARGS__ : "r11", "memory");		\
		resume = 0;							\
		outcome(what, c0);						\
	} while (0)

static uint64_t rdmsr(uint32_t idx)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(idx));
	return (uint64_t)hi << 32 | lo;
}

static void wrmsr(uint32_t idx, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "a"((uint32_t)v), "d"((uint32_t)(v >> 32)), "c"(idx) : "memory");
}

#define MSR_PROBE_RD(what, idx) PROBE(what, "rdmsr", "c"(idx))
#define MSR_PROBE_WR(what, idx, v) PROBE(what, "wrmsr", "c"(idx), "a"((uint32_t)(v)), "d"((uint32_t)((uint64_t)(v) >> 32)))

static uint64_t hypercall(int amd, uint64_t nr, uint64_t a0)
{
	uint64_t r;

	if (amd)
		__asm__ volatile("vmmcall" : "=a"(r) : "a"(nr), "b"(a0), "c"(0), "d"(0), "S"(0) : "memory");
	else
		__asm__ volatile("vmcall" : "=a"(r) : "a"(nr), "b"(a0), "c"(0), "d"(0), "S"(0) : "memory");
	return r;
}

static int kvm;		/* the hypervisor leaf says KVM: its hypercalls exist */
static int has_invpcid;

static void cpu_id(void)
{
	uint32_t a, b, c, d;
	char v[13];

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	memcpy(v, &b, 4);
	memcpy(v + 4, &d, 4);
	memcpy(v + 8, &c, 4);
	v[12] = 0;
	ser_puts("vendor ");
	ser_puts(v);
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	ser_puts(" family ");
	put_dec(((a >> 8) & 15) + ((a >> 20) & 0xff));
	ser_puts(" model ");
	put_hex(((a >> 4) & 15) | ((a >> 12) & 0xf0));
	ser_puts(" clflush ");
	put_dec(d >> 19 & 1);
	ser_puts(" monitor ");
	put_dec(c >> 3 & 1);
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
	ser_puts(" invpcid ");
	put_dec(b >> 10 & 1);
	has_invpcid = b >> 10 & 1;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x40000000), "c"(0));
	memcpy(v, &b, 4);
	memcpy(v + 4, &c, 4);
	memcpy(v + 8, &d, 4);
	ser_puts(" hypervisor ");
	ser_puts(v);
	kvm = b == 0x4b4d564b && c == 0x564b4d56 && d == 0x4d;	/* "KVMKVMKVM\0\0\0" */
	ser_putc('\n');
}

/* invpcid type with descriptor (pcid, addr) */
static void invpcid(uint64_t type, uint64_t pcid, uint64_t addr)
{
	uint64_t desc[2] = { pcid, addr };

	__asm__ volatile("invpcid %0, %1" : : "m"(desc), "r"(type) : "memory");
}

#define VA 0x20000000ull	/* pd[256]: a 2 MiB page remapped */
#define FRAME_A 0xa00000ull
#define FRAME_B 0xc00000ull

static void tlb_flushes(void)
{
	uint64_t cr3, *pd, *pde;
	static const char *const names[4] = { "invpcid 0: ", "invpcid 1: ", "invpcid 2: ", "invpcid 3: " };

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	pd = (uint64_t *)(((uint64_t *)(((uint64_t *)cr3)[0] & ~0xfffull))[0] & ~0xfffull);
	pde = &pd[VA >> 21];
	*(volatile uint64_t *)FRAME_A = 0xaaaa;
	*(volatile uint64_t *)FRAME_B = 0xbbbb;
	for (int type = 0; type < 4; type++) {
		uint64_t to = type & 1 ? FRAME_A : FRAME_B, from = type & 1 ? FRAME_B : FRAME_A;

		*pde = from | 0x83;
		__asm__ volatile("invlpg (%0)" : : "r"(VA) : "memory");
		(void)*(volatile uint64_t *)VA;		/* cached now */
		*pde = to | 0x83;
		invpcid(type, 0, VA);
		line(names[type], *(volatile uint64_t *)VA);
	}
	PROBE("invpcid type 4", "invpcid (%0), %1", "r"((uint64_t[2]){ 0, 0 }), "r"(4ull));
	PROBE("invpcid pcid 1", "invpcid (%0), %1", "r"((uint64_t[2]){ 1, 0 }), "r"(1ull));
	PROBE("invpcid non-canonical", "invpcid (%0), %1", "r"((uint64_t[2]){ 0, 1ull << 63 }), "r"(0ull));
	PROBE("invlpg non-canonical", "invlpg (%0)", "b"(1ull << 63));
	*pde = 0;
	__asm__ volatile("invlpg (%0)" : : "r"(VA) : "memory");
}

static void descriptor_tables(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) old, set = { 0x123, 0xffff800012345000ull }, got;

	__asm__ volatile("sgdt %0" : "=m"(old));
	__asm__ volatile("lgdt %1\n\tsgdt %0\n\tlgdt %2" : "=m"(got) : "m"(set), "m"(old) : "memory");
	line("lgdt 64-bit base: ", got.base);
	__asm__ volatile("sidt %0" : "=m"(old));
	__asm__ volatile("data16 lidt %1\n\tsidt %0\n\tlidt %2" : "=m"(got) : "m"(set), "m"(old) : "memory");
	line("lidt with 66: ", got.base);
}

static void msrs(void)
{
	line("PAT ", rdmsr(0x277));
	MSR_PROBE_WR("PAT type 2", 0x277, 0x0007040600070402ull);
	line("MTRRcap ", rdmsr(0xfe));
	wrmsr(0x2ff, 0xc06);
	line("MTRRdefType ", rdmsr(0x2ff));
	MSR_PROBE_WR("MTRRdefType type 2", 0x2ff, 0xc02);
	MSR_PROBE_WR("MTRRdefType bit 12", 0x2ff, 0x1c06);
	wrmsr(0x250, 0x0606060606060606ull);
	line("MTRRfix64K ", rdmsr(0x250));
	wrmsr(0x26f, 0x0504010006060606ull);
	line("MTRRfix4K_F8000 ", rdmsr(0x26f));
	MSR_PROBE_WR("MTRRfix16K type 7", 0x259, 0x07);
	wrmsr(0x20e, 0x80000006);
	wrmsr(0x20f, 0xff8000800ull);
	line("MTRRphysBase7 ", rdmsr(0x20e));
	line("MTRRphysMask7 ", rdmsr(0x20f));
	MSR_PROBE_WR("MTRRphysMask0 bit 63", 0x201, 0x8000000000000800ull);
	MSR_PROBE_RD("MTRRphysBase8", 0x210);
	line("MCG_CAP ", rdmsr(0x179));
	wrmsr(0x17a, 0);
	line("MCG_STATUS ", rdmsr(0x17a));
	MSR_PROBE_WR("MCG_STATUS bit 3", 0x17a, 8);
	line("PLATFORM_ID ", rdmsr(0x17));
	line("ARCH_CAPABILITIES ", rdmsr(0x10a));
	MSR_PROBE_RD("SPEC_CTRL (not advertised)", 0x48);
	line("MISC_ENABLE ", rdmsr(0x1a0));
	MSR_PROBE_RD("MSR 0x12345", 0x12345);
}

static void rf_in_frames(void)
{
	PROBE("ud2", "ud2");
	line("  frame rflags.RF ", t_rflags >> 16 & 1);
	PROBE("non-canonical read", "mov (%0), %%al", "b"(1ull << 63));
	line("  frame rflags.RF ", t_rflags >> 16 & 1);
	t_dr6 = 0;
	__asm__ volatile("mov %0, %%dr6" : : "r"(0ull));
	icebp_here();
	ser_puts("icebp: vector=");
	put_dec(t_vec);
	ser_puts(t_rip == (uint64_t)after_icebp ? " after it" : " WRONG rip");
	line(" rflags.RF ", t_rflags >> 16 & 1);
	int3_here();
	ser_puts("int3: vector=");
	put_dec(t_vec);
	ser_puts(t_rip == (uint64_t)after_int3 ? " after it" : " WRONG rip");
	line(" rflags.RF ", t_rflags >> 16 & 1);
}

int main(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = { sizeof(gdt) - 1, (uint64_t)gdt },
				  idtr = { sizeof(idt) - 1, (uint64_t)idt };
	uint64_t t = (uint64_t)tss, sp0 = (uint64_t)ring0_stack + sizeof(ring0_stack), n;

	tss[1] = (uint32_t)sp0;
	tss[2] = sp0 >> 32;
	tss[25] = sizeof(tss) << 16;
	gdt[6] = (sizeof(tss) - 1) | (t & 0xffffff) << 16 | 0x89ull << 40 | (t >> 24 & 0xff) << 56;
	gdt[7] = t >> 32;
	gate_set(idt, 1, trap_entry1, 0);
	gate_set(idt, 3, trap_entry3, 3);
	gate_set(idt, 6, trap_entry6, 0);
	gate_set(idt, 7, trap_entry7, 0);
	gate_set(idt, 13, trap_entry13, 0);
	gate_set(idt, 14, trap_entry14, 0);
	gate_set(idt, 0x80, ring0_return, 3);
	__asm__ volatile("lgdt %0\n\tlidt %1\n\tltr %w2" : : "m"(gdtr), "m"(idtr), "r"(0x30));

	ser_puts("insn64: start\n");
	cpu_id();

	if (kvm) {
		line("vmcall VAPIC_POLL_IRQ: ", hypercall(0, 1, 0));
		line("vmcall KICK_CPU (not advertised): ", hypercall(0, 5, 0));
		line("vmcall 0x1234: ", hypercall(0, 0x1234, 0));
		line("vmmcall VAPIC_POLL_IRQ: ", hypercall(1, 1, 0));
		user_call(user_vmcall);
		line("vmcall from ring 3: ", user_rax);
	}

	if (has_invpcid)
		tlb_flushes();
	PROBE("xgetbv", "xgetbv", "c"(0));
	PROBE("xsetbv", "xsetbv", "c"(0), "a"(1), "d"(0));
	PROBE("rdpru", ".byte 0x0f, 0x01, 0xfd", "c"(0));
	PROBE("monitor", "monitor", "a"(0x1000), "c"(0), "d"(0));
	PROBE("mwait", "mwait", "a"(0), "c"(0));
	PROBE("rdpmc 0", "rdpmc", "c"(0));
	PROBE("rdpmc fixed 0", "rdpmc", "c"(1u << 30));
	n = t_count;
	user_call(user_rdpmc);
	outcome("rdpmc from ring 3", n);
	PROBE("clflush", "clflush (%0)", "r"(&tss));
	PROBE("clflushopt", "clflushopt (%0)", "r"(&tss));
	PROBE("clwb", "clwb (%0)", "r"(&tss));
	PROBE("clflush non-canonical", "clflush (%0)", "b"(1ull << 63));	/* not rbp: that is #SS */
	PROBE("clflush unmapped", "clflush (%0)", "b"(0x8000000000ull));
	PROBE("lfence mfence sfence", "lfence; mfence; sfence");

	/* lock only on a read-modify-write of memory */
	PROBE("lock add to memory", "lock addl $1, (%0)", "b"(&t_dr6));
	PROBE("lock add to a register", ".byte 0xf0\n\taddl $1, %%ebx", "b"(0));	/* gas refuses to write these */
	PROBE("lock cmp", ".byte 0xf0\n\tcmpl $1, (%0)", "b"(&t_dr6));
	PROBE("lock nop", ".byte 0xf0, 0x90");
	/* no FPU: with CR0.EM an x87 instruction is #NM for the OS's emulator */
	__asm__ volatile("mov %%cr0, %%rax\n\tor $4, %%rax\n\tmov %%rax, %%cr0" : : : "rax");
	PROBE("fninit with CR0.EM", "fninit");
	__asm__ volatile("mov %%cr0, %%rax\n\tand $~4, %%rax\n\tmov %%rax, %%cr0" : : : "rax");
	PROBE("wbinvd", "wbinvd");
	n = t_count;
	user_call(user_wbinvd);
	outcome("wbinvd from ring 3", n);

	msrs();
	descriptor_tables();
	rf_in_frames();

	/* syscall to 0x18 (SS 0x20), sysret to 0x2b (SS 0x23); FMASK clears TF and IF */
	wrmsr(0xc0000080, rdmsr(0xc0000080) | 1);
	wrmsr(0xc0000081, 0x0018001800000000ull);
	wrmsr(0xc0000082, (uint64_t)syscall_entry);
	wrmsr(0xc0000084, 0x300);
	n = t_count;
	user_call(user_syscall);
	ser_puts("syscall with TF: ");
	put_dec(in_kernel);
	ser_puts(" in the kernel, ");
	put_dec(t_count - n);
	ser_puts(" #DB");
	ser_puts(t_rip == (uint64_t)after_syscall ? " right after sysret" : " WRONG rip");
	line(" dr6.BS ", t_dr6 >> 14 & 1);

	ser_puts("insn64: done\n");
	return 0;
}
