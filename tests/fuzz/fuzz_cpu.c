/*
 * Fuzz the interpreters: random code and register state in a small VM of
 * either architecture, at most STEPS instructions a run.  Any exit is fine;
 * a crash, a sanitizer report or a hang is not.
 *
 * Input: a config byte, SEED bytes of state, then the code, placed at
 * CODE_AT.  The config byte's bit 0 picks the architecture (FUZZ_ARCH=x86 or
 * ppc440 in the environment keeps to one); the other bits pick the mode:
 *
 *   x86     bits 1-3  0 real, 1 32-bit protected, 2 2-level paging, 3 PAE,
 *                     4 long mode, 5 long mode with a 32-bit cs,
 *                     6 16-bit protected, 7 paging with 4 MiB pages
 *           bit 4     ring 3 (protected modes), with a TSS and an I/O bitmap
 *           bit 5     debug registers from the seed
 *           bit 6     `debug on`: debug events exit to userspace
 *           bit 7     a second run after the first exit, which is
 *                     answered with data from the seed if it takes an answer
 *   ppc440  bit 1     user mode (MSR[PR])
 *           bit 2     four more guest TLB entries from the seed
 *           bit 3     map the paravirtual magic page first (a hypercall)
 *           bit 4     debug SPRs (DBCR0/1/2, IACs, DACs) from the seed
 *           bit 5     enable-cap osi and hcall-exit: those calls exit
 *           bit 6     decrementer and FIT from the seed
 *           bit 7     ask for a second run after the first exit
 *
 * Descriptor tables, page tables and stacks are built for the mode; their
 * permission bits, the interrupt handlers' addresses and the I/O bitmap come
 * from the seed, and the guest may rewrite all of it.  Interrupt vectors
 * point into the random code, so faults keep executing it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/files.h"
#include "tests/fuzz/fuzz_arch.h"

#define STEPS 4000
#define SEED 192
#define CODE_AT 0x1000
#define GDT_AT 0x10000
#define IDT_AT 0x11000
#define TSS_AT 0x12000
#define PT_AT 0x20000		/* page tables: 0x20000-0x27fff */
#define STACK0 0x9f000
#define STACK3 0x8f000
#define MAGIC_PA 0xf0000

static bool debug_setup;

static uint32_t word(const uint8_t *seed, unsigned at)
{
	return seed[at] | seed[at + 1] << 8 | seed[at + 2] << 16 | (uint32_t)seed[at + 3] << 24;
}

/* Write text to a state or vcpu file of cpu/0 by name, as a user would. */
static void __attribute__((format(printf, 3, 4))) put(struct vm *vm, const char *file, const char *fmt, ...)
{
	const struct arch_ops *a = vm->arch;
	struct ofile of = { .vm = vm, .vcpu = vm->vcpu[0] };
	struct wctx w = { NULL, &of, file, 0, 0, 0, 0 };
	char text[2048];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	of.n = (struct node){ vm->id, 0, K_NONE };
	for (unsigned i = 0; a->state_files[i]; i++)
		if (!strcmp(a->state_files[i]->file, file))
			of.n.kind = K_STATE + i;
	for (unsigned i = 0; a->vcpu_files[i]; i++)
		if (!strcmp(a->vcpu_files[i]->name, file))
			of.n.kind = K_VCPUFILE + i;
	if (!strcmp(file, "ctl"))
		of.n.kind = K_VM_CTL;
	if (!strcmp(file, "exit"))
		of.n.kind = K_CPU_EXIT;
	if (of.n.kind == K_NONE)
		abort();	/* the harness names a file the arch does not have */
	r = file_write(&w, text);
	if (r && debug_setup) {
		struct buf b;

		buf_init(&b);
		textlog_render(&vm->log, &b);
		fprintf(stderr, "setup: %s: %s: %.*s", file, text, (int)b.len, b.p);
		buf_free(&b);
	}
}

static void mem(struct vm *vm, uint64_t gpa, const void *p, size_t n)
{
	vm_mem_write(vm, gpa, p, n);
}

static void mem32(struct vm *vm, uint64_t gpa, uint32_t v)
{
	mem(vm, gpa, &v, 4);
}

static void mem64(struct vm *vm, uint64_t gpa, uint64_t v)
{
	mem(vm, gpa, &v, 8);
}

/* ---- x86 ---- */

enum { X_REAL, X_PROT, X_PG2, X_PAE, X_LONG, X_COMPAT, X_PROT16, X_PSE };

/* Seed layout for x86 (offsets into the seed). */
enum {
	XS_GPR = 0,		/* 16 x 4 bytes */
	XS_FLAGS = 64,		/* rflags: TF IF DF AC IOPL NT taken from here */
	XS_CR = 68,		/* cr0.WP/AM, cr4.PGE/SMEP/SMAP/PSE/TSD/DE, efer.NXE/SCE */
	XS_DR = 72,		/* dr0-dr3: offsets in the first MiB */
	XS_DR7 = 88,
	XS_PTE_U = 92, XS_PTE_W = 96, XS_PTE_NX = 100,	/* bits for 32 pages at 0x40000 */
	XS_VEC = 104,		/* 8 bytes: handler offsets into the code */
	XS_IOMAP = 112,		/* 16 bytes: the I/O bitmap of ports 0-127 */
	XS_EV = 128,		/* an event to inject: 8 bytes */
};

#define FL_MASK (0x100u | 0x200u | 0x400u | 0x40000u | 0x3000u | 0x4000u | 0x0cd5u)

static uint64_t desc(uint32_t base, uint32_t limit, unsigned type, unsigned s, unsigned dpl,
		     unsigned l, unsigned db, unsigned g)
{
	return (limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 | (uint64_t)type << 40 |
	       (uint64_t)s << 44 | (uint64_t)dpl << 45 | 1ull << 47 | (uint64_t)(limit >> 16 & 0xf) << 48 |
	       (uint64_t)l << 53 | (uint64_t)db << 54 | (uint64_t)g << 55 | (uint64_t)(base >> 24) << 56;
}

/* GDT selectors */
enum { SEL_CS0 = 0x08, SEL_DS0 = 0x10, SEL_CS3 = 0x18, SEL_DS3 = 0x20, SEL_TSS = 0x28,
       SEL_CS64_0 = 0x38, SEL_CS64_3 = 0x40, SEL_CS16 = 0x48, SEL_DS16 = 0x50 };

static void x86_tables(struct vm *vm, const uint8_t *seed, int mode)
{
	int lm = mode == X_LONG || mode == X_COMPAT;
	uint32_t iobase = 0x68;
	uint8_t iomap[17];

	mem64(vm, GDT_AT + SEL_CS0, desc(0, 0xfffff, 0xb, 1, 0, 0, 1, 1));
	mem64(vm, GDT_AT + SEL_DS0, desc(0, 0xfffff, 0x3, 1, 0, 0, 1, 1));
	mem64(vm, GDT_AT + SEL_CS3, desc(0, 0xfffff, 0xb, 1, 3, 0, 1, 1));
	mem64(vm, GDT_AT + SEL_DS3, desc(0, 0xfffff, 0x3, 1, 3, 0, 1, 1));
	mem64(vm, GDT_AT + SEL_TSS, desc(TSS_AT, iobase + sizeof(iomap) - 1, 0x9, 0, 0, 0, 0, 0));
	mem64(vm, GDT_AT + SEL_TSS + 8, 0);
	mem64(vm, GDT_AT + SEL_CS64_0, desc(0, 0xfffff, 0xb, 1, 0, 1, 0, 1));
	mem64(vm, GDT_AT + SEL_CS64_3, desc(0, 0xfffff, 0xb, 1, 3, 1, 0, 1));
	mem64(vm, GDT_AT + SEL_CS16, desc(0, 0xffff, 0xb, 1, 0, 0, 0, 0));
	mem64(vm, GDT_AT + SEL_DS16, desc(0, 0xffff, 0x3, 1, 0, 0, 0, 0));
	/* TSS: ring 0 stack for both formats, and the I/O bitmap */
	mem32(vm, TSS_AT + 4, STACK0);
	mem32(vm, TSS_AT + 8, lm ? 0 : SEL_DS0);
	mem(vm, TSS_AT + 0x66, &(uint16_t){ iobase }, 2);
	memcpy(iomap, seed + XS_IOMAP, 16);
	iomap[16] = 0xff;
	mem(vm, TSS_AT + iobase, iomap, sizeof(iomap));
	/* IDT: every vector into the code, at an offset the seed picks */
	for (unsigned v = 0; v < 256; v++) {
		uint32_t h = CODE_AT + (seed[XS_VEC + v % 8] << 4) + (v / 8) * 2;
		unsigned cs = mode == X_PROT16 ? SEL_CS16 : lm ? SEL_CS64_0 : SEL_CS0;
		uint64_t g = (h & 0xffff) | (uint64_t)cs << 16 | (uint64_t)(v & 1 ? 0xf : 0xe) << 40 |
			     3ull << 45 | 1ull << 47 | (uint64_t)(h >> 16) << 48;

		if (mode == X_REAL)
			mem32(vm, v * 4, h & 0xffff);	/* IVT: segment 0 */
		else if (lm)
			mem(vm, IDT_AT + v * 16, (uint64_t[2]){ g, 0 }, 16);
		else
			mem64(vm, IDT_AT + v * 8, g);
	}
}

/* Identity maps of the first MiB; pages 0x40-0x5f get permissions from the seed. */
static uint32_t x86_paging(struct vm *vm, const uint8_t *seed, int mode, int user)
{
	uint32_t u = word(seed, XS_PTE_U), w = word(seed, XS_PTE_W), nx = word(seed, XS_PTE_NX);
	uint64_t base = user ? 7 : 3;	/* P RW US */

	if (mode == X_PG2 || mode == X_PSE) {
		for (unsigned i = 0; i < 256; i++) {
			uint32_t e = i << 12 | base;

			if (i >= 0x40 && i < 0x60)
				e = i << 12 | 1 | (w >> (i - 0x40) & 1) << 1 | (u >> (i - 0x40) & 1) << 2;
			mem32(vm, PT_AT + 0x1000 + i * 4, e);
		}
		mem32(vm, PT_AT, (PT_AT + 0x1000) | base);
		/* 4 MiB pages at 4 MiB and 8 MiB, onto RAM and onto nothing */
		mem32(vm, PT_AT + 4, 0x83 | (user ? 4 : 0));
		mem32(vm, PT_AT + 8, 0x400083 | (user ? 4 : 0));
		return PT_AT;
	}
	for (unsigned i = 0; i < 256; i++) {
		uint64_t e = (uint64_t)i << 12 | base;

		if (i >= 0x40 && i < 0x60)
			e = (uint64_t)i << 12 | 1 | (w >> (i - 0x40) & 1) << 1 | (u >> (i - 0x40) & 1) << 2 |
			    (uint64_t)(nx >> (i - 0x40) & 1) << 63;
		mem64(vm, PT_AT + 0x4000 + i * 8, e);
	}
	mem64(vm, PT_AT + 0x3000, (PT_AT + 0x4000) | base);		/* PD[0] */
	mem64(vm, PT_AT + 0x3008, 0x83 | (user ? 4 : 0));		/* PD[1]: a 2 MiB page */
	if (mode == X_PAE) {
		mem64(vm, PT_AT + 0x2000, (PT_AT + 0x3000) | 1);	/* PDPT[0] */
		mem64(vm, PT_AT + 0x2008, (PT_AT + 0x3000) | 1);	/* PDPT[1]: the same PD */
		return PT_AT + 0x2000;
	}
	mem64(vm, PT_AT + 0x6000, (PT_AT + 0x3000) | base);		/* PDPT[0] */
	mem64(vm, PT_AT + 0x6008, 0x83 | (user ? 4 : 0));		/* PDPT[1]: a 1 GiB page */
	mem64(vm, PT_AT + 0x5000, (PT_AT + 0x6000) | base);		/* PML4[0] */
	mem64(vm, PT_AT + 0x5ff8, (PT_AT + 0x6000) | base);		/* PML4[511]: the top too */
	return PT_AT + 0x5000;
}

static void x86_setup(struct vm *vm, uint8_t cfg, const uint8_t *seed)
{
	int mode = cfg >> 1 & 7, ring = mode != X_REAL && (cfg & 0x10) ? 3 : 0;
	int lm = mode == X_LONG || mode == X_COMPAT;
	int paging = mode == X_PG2 || mode == X_PAE || mode == X_PSE || lm;
	uint32_t crx = word(seed, XS_CR), cr0, cr3 = 0, cr4 = 0, efer = 0;
	uint64_t rflags = 2 | (word(seed, XS_FLAGS) & FL_MASK);
	char gprs[700];
	size_t n = 0;
	static const char *const names[16] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
					      "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };

	x86_tables(vm, seed, mode);
	cr0 = mode == X_REAL ? 0x10 : 0x11 | (crx & 0x50022u);	/* ET, PE; WP AM NE MP from the seed */
	if (paging) {
		cr0 |= 0x80000000u;
		cr3 = x86_paging(vm, seed, mode, ring == 3);
		cr4 = (crx >> 8 & 0x30000c) | (crx >> 8 & 0x94);	/* SMEP SMAP DE TSD, PGE PSE */
		if (mode == X_PAE || lm)
			cr4 |= 0x20;
		if (mode == X_PSE)
			cr4 |= 0x10;
		efer = (crx >> 24 & 1 ? 0x800 : 0) | (crx >> 25 & 1);	/* NXE, SCE */
		if (lm)
			efer |= 0x500;
	}
	put(vm, "msrs", "sysenter_cs=0x%x sysenter_eip=0x%x sysenter_esp=0x%x lstar=0x%x cstar=0x%x star=0x%llx fmask=0x%x",
	    SEL_CS0, CODE_AT + 0x100, STACK0, CODE_AT + 0x180, CODE_AT + 0x1c0,
	    (unsigned long long)SEL_CS0 << 32 | (unsigned long long)(SEL_CS3 - 8 + 3) << 48, word(seed, XS_FLAGS) >> 16);
	if (mode == X_REAL) {
		put(vm, "sregs", "cs.sel=0 cs.base=0 ds.base=0 es.base=0 ss.base=0 idt.base=0 idt.limit=0x3ff");
	} else {
		unsigned cs = mode == X_PROT16 ? SEL_CS16 : mode == X_LONG ? SEL_CS64_0 : SEL_CS0;
		unsigned ds = mode == X_PROT16 ? SEL_DS16 : SEL_DS0;
		unsigned l = mode == X_LONG, db = mode != X_LONG && mode != X_PROT16;
		unsigned g = mode != X_PROT16, lim = mode == X_PROT16 ? 0xffff : 0xffffffff;
		char segs[900];
		size_t k = 0;

		if (ring == 3) {
			cs = mode == X_LONG ? SEL_CS64_3 | 3 : SEL_CS3 | 3;
			ds = SEL_DS3 | 3;
			db = !l;
			g = 1;
			lim = 0xffffffff;
		}
		k += snprintf(segs + k, sizeof(segs) - k,
			      "cs.sel=0x%x cs.base=0 cs.limit=0x%x cs.type=11 cs.s=1 cs.dpl=%d cs.p=1 cs.l=%u cs.db=%u cs.g=%u",
			      cs, lim, ring, l, db, g);
		for (const char *s = "ds\0es\0fs\0gs\0ss\0"; *s; s += 3)
			k += snprintf(segs + k, sizeof(segs) - k,
				      " %s.sel=0x%x %s.base=0 %s.limit=0x%x %s.type=3 %s.s=1 %s.dpl=%d %s.p=1 %s.db=%u %s.g=%u",
				      s, ds, s, s, lim, s, s, s, ring, s, s, mode != X_PROT16 || ring, s, g);
		/* control registers first: a 64-bit cs is refused before efer.lma */
		put(vm, "sregs", "tr.sel=0x%x tr.base=0x%x tr.limit=0x78 tr.type=11 tr.s=0 tr.p=1 "
		    "gdt.base=0x%x gdt.limit=0x57 idt.base=0x%x idt.limit=0x%x cr0=0x%x cr3=0x%x cr4=0x%x efer=0x%x",
		    SEL_TSS, TSS_AT, GDT_AT, IDT_AT, lm ? 0xfff : 0x7ff, cr0, cr3, cr4, efer);
		put(vm, "sregs", "%s", segs);
	}
	for (unsigned i = 0; i < 16; i++) {
		uint64_t v = word(seed, XS_GPR + 4 * i);

		if (i == 6 || i == 7)	/* rsp, rbp: on the stack, more or less */
			v = (ring == 3 ? STACK3 : STACK0) - (v & 0xff0);
		if (lm && (v & 0x80000000u) && i != 6 && i != 7)
			v |= 0xffffffff00000000ull;	/* kernel-half addresses too */
		if (!lm && i >= 8)
			break;
		n += snprintf(gprs + n, sizeof(gprs) - n, "%s=0x%llx ", names[i], (unsigned long long)v);
	}
	put(vm, "regs", "%srip=0x%x rflags=0x%llx", gprs, CODE_AT, (unsigned long long)rflags);
	if (cfg & 0x20) {
		const uint8_t *d = seed + XS_DR;

		put(vm, "debugregs", "db0=0x%x db1=0x%x db2=0x%x db3=0x%x dr7=0x%x",
		    word(d, 0) & 0xfffff, word(d, 4) & 0xfffff, word(d, 8) & 0xfffff, word(d, 12) & 0xfffff,
		    word(seed, XS_DR7) & 0xffff2fff);
	}
	if (seed[XS_EV] & 1)
		put(vm, "events", "exception.injected=%u exception.nr=%u exception.has_error_code=%u "
		    "exception.error_code=0x%x", !(seed[XS_EV] & 2), seed[XS_EV + 1] & 31, seed[XS_EV] >> 2 & 1,
		    word(seed, XS_EV + 4));
	else if (seed[XS_EV] & 2)
		put(vm, "events", "interrupt.injected=1 interrupt.nr=%u interrupt.soft=%u nmi.pending=%u",
		    seed[XS_EV + 1], seed[XS_EV] >> 2 & 1, seed[XS_EV] >> 3 & 1);
	if (cfg & 0x40)
		put(vm, "ctl", "debug on");
}

/* ---- ppc440 ---- */

enum {
	PS_GPR = 0,		/* 32 x 4 bytes */
	PS_MSR = 128,
	PS_TLB = 132,		/* 4 entries x 8 bytes: epn/rpn/size/tid/ts/permissions */
	PS_DBCR0 = 164, PS_IAC = 168, PS_DAC = 172,
	PS_VEC = 176,		/* 8 bytes: handler offsets into the code */
	PS_TCR = 184, PS_DEC = 188,
};

#define PPC_MSR_OK 0x0007ff30u		/* MSR_MASK without reserved bits */
#define PPC_PR 0x4000u
#define PPC_WE 0x40000u

static void ppc_setup(struct vm *vm, uint8_t cfg, const uint8_t *seed)
{
	static const char *const sizes[] = { "1K", "4K", "16K", "64K", "256K", "1M", "16M", "256M" };
	uint32_t msr = word(seed, PS_MSR) & PPC_MSR_OK, pc = CODE_AT;
	char gprs[600], ivors[400];
	size_t n = 0, k = 0;

	if (cfg & 2)
		msr |= PPC_PR;
	/* RAM and the I/O space as the loader maps them; user mode needs user
	 * rights on RAM, the seed picks which */
	put(vm, "tlb", "index=0 valid=1 epn=0 rpn=0 size=256M sx=1 sw=1 sr=1 ux=%d uw=%d ur=%d",
	    (cfg & 2) || (seed[PS_MSR] & 1), seed[PS_MSR] >> 1 & 1, (cfg & 2) || (seed[PS_MSR] >> 2 & 1));
	put(vm, "tlb", "index=1 valid=1 epn=0xe0000000 rpn=0xe0000000 size=256M sr=1 sw=1 i=1 g=1");
	if (cfg & 4)
		for (unsigned i = 0; i < 4; i++) {
			const uint8_t *t = seed + PS_TLB + 8 * i;
			unsigned sz = t[4] & 7;

			put(vm, "tlb", "index=%u valid=1 epn=0x%x rpn=0x%x size=%s tid=0x%x ts=%u ux=%u uw=%u ur=%u sx=%u sw=%u sr=%u w=%u i=%u g=%u e=%u",
			    2 + t[5] % 62, word(t, 0) & ~0x3ffu & ~(uint32_t)((1024ull << 2 * (sz < 6 ? sz : sz == 6 ? 7 : 9)) - 1),
			    (uint32_t)t[6] << 12 & 0xff000, sizes[sz], t[7] & 3 ? 0 : t[7], t[5] >> 7,
			    t[4] >> 3 & 1, t[4] >> 4 & 1, t[4] >> 5 & 1, t[4] >> 6 & 1, t[4] >> 7, 1,
			    t[7] >> 2 & 1, t[7] >> 3 & 1, t[7] >> 4 & 1, t[7] >> 5 & 1);
		}
	for (unsigned i = 0; i < 16; i++)
		k += snprintf(ivors + k, sizeof(ivors) - k, "ivor%u=0x%x ", i,
			      CODE_AT + (seed[PS_VEC + i % 8] << 4) + (i / 8) * 8);
	put(vm, "sregs", "ivpr=0 %spid=%u", ivors, seed[PS_TLB + 7] & 3 ? 0 : seed[PS_TLB + 7]);
	if (cfg & 0x10)
		put(vm, "sregs", "dbcr0=0x%x dbcr1=0x%x dbcr2=0x%x iac1=0x%x iac2=0x%x dac1=0x%x dac2=0x%x",
		    word(seed, PS_DBCR0), word(seed, PS_DBCR0) << 16, word(seed, PS_DBCR0) << 8,
		    CODE_AT + (word(seed, PS_IAC) & 0x1ffc), CODE_AT + (word(seed, PS_IAC) >> 16 & 0x1ffc),
		    word(seed, PS_DAC) & 0xfffff, word(seed, PS_DAC) >> 12);
	if (cfg & 0x40)
		put(vm, "sregs", "tcr=0x%x dec=%u decar=%u", word(seed, PS_TCR), word(seed, PS_DEC) & 0xfff,
		    word(seed, PS_DEC) >> 20);
	if (cfg & 8) {
		/* the hypercall a Linux guest makes, then mtmsr r31 into the fuzzed MSR */
		static const uint32_t prologue[] = {
			0x3c004b56, 0x60004d21,		/* lis r0,0x4b56; ori r0,r0,0x4d21: "KVM!" */
			0x3d60002a, 0x616b0004,		/* lis r11,42; ori r11,r11,4: MAP_MAGIC_PAGE */
			0x3c60000f, 0x3880f000,		/* lis r3,0xf (MAGIC_PA); li r4,-4096 */
			0x44000002, 0x7fe00124,		/* sc; mtmsr r31 */
		};
		uint8_t be[sizeof(prologue)];

		for (unsigned i = 0; i < sizeof(prologue) / 4; i++) {
			be[4 * i] = prologue[i] >> 24;
			be[4 * i + 1] = prologue[i] >> 16;
			be[4 * i + 2] = prologue[i] >> 8;
			be[4 * i + 3] = prologue[i];
		}
		pc = CODE_AT - sizeof(be);
		mem(vm, pc, be, sizeof(be));
	}
	for (unsigned i = 0; i < 32; i++)
		n += snprintf(gprs + n, sizeof(gprs) - n, "r%u=0x%x ", i,
			      i == 31 && (cfg & 8) ? msr : word(seed, PS_GPR + 4 * i));
	/* the prologue runs in supervisor mode, translated, awake: mtmsr r31 then sets the MSR */
	put(vm, "regs", "%spc=0x%x msr=0x%x", gprs, pc, cfg & 8 ? msr & ~(PPC_PR | PPC_WE | 0x30u) : msr);
	if (cfg & 0x20) {
		put(vm, "ctl", "enable-cap osi");
		put(vm, "ctl", "enable-cap hcall-exit");
	}
}

/*
 * A bounded run: STEPS instructions.  A guest that waits for an interrupt
 * (hlt, MSR[WE]) with a source that could still wake it waits as it should;
 * it is stopped after 20 ms, not to spend the fuzzer's time.
 */
static void run(struct vcpu *v)
{
	char why[256];
	uint64_t seq;

	if (vcpu_run_begin(v, MODE_STEP, STEPS, &seq, why, sizeof(why)))
		return;
	if (vcpu_run_wait(v, seq, 20) == -ETIMEDOUT) {
		vcpu_stop(v);
		while (vcpu_run_wait(v, seq, 1000) == -ETIMEDOUT)
			;
	}
	if (debug_setup) {
		struct buf b;

		buf_init(&b);
		exit_render(&v->exit, &b);
		for (unsigned i = 0; i < 2; i++)
			state_render(v, v->vm->arch->state_files[i], &b);
		fprintf(stderr, "run: %.*s", (int)b.len, b.p);
		buf_free(&b);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t seed[SEED] = { 0 }, cfg;
	char opts_text[64], why[256];
	struct kvlist opts;
	struct vm *vm;
	struct vcpu *v;
	size_t code;

	if (!narch_ok) {
		pick_arches();
		debug_setup = getenv("FUZZ_DEBUG") != NULL;
	}
	if (size < 1 || size > 8192)
		return 0;
	cfg = data[0];
	code = size - 1 > SEED ? size - 1 - SEED : 0;
	memcpy(seed, data + 1, size - 1 - code);
	/* a new VM per input: `debug on`, cpuid and capabilities must not leak into the next */
	snprintf(opts_text, sizeof(opts_text), "arch=%s mem=1M", arches[arch_ok[cfg % narch_ok]]);
	kv_split(opts_text, &opts);
	if (vm_create("c", 0, 0, &opts, &vm, why, sizeof(why)))
		abort();
	v = vm->vcpu[0];
	if (code)
		mem(vm, CODE_AT, data + 1 + SEED, code);
	if (!strcmp(vm->arch->name, "x86"))
		x86_setup(vm, cfg, seed);
	else
		ppc_setup(vm, cfg, seed);
	if (debug_setup) {
		struct buf b;

		buf_init(&b);
		state_render(v, vm->arch->state_files[0], &b);
		fprintf(stderr, "before: %.*s", (int)b.len, b.p);
		buf_free(&b);
	}
	run(v);
	/* a second run re-executes an unanswered exit, or continues after one that needs nothing */
	if (cfg & 0x80) {
		if (v->exit.needs_completion) {
			const struct vcpu_exit *e = &v->exit;
			unsigned bytes = e->reason == EXIT_IO ? e->io.size : e->reason == EXIT_MMIO ? e->mmio.len : 4;
			uint32_t val = word(seed, SEED - 4) & (bytes < 4 ? (1u << 8 * bytes) - 1 : ~0u);

			put(vm, "exit", e->reason == EXIT_OSI ? "gpr3=0x%x" : e->reason == EXIT_HYPERCALL ||
			    e->reason == EXIT_PAPR_HCALL ? "ret=0x%x" : "data=0x%x", val);
		}
		run(v);
	}
	vm_destroy(vm);
	vm_put(vm);
	return 0;
}
