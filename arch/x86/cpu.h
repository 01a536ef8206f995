/*
 * The x86 vcpu: architectural state (what the state files show), the
 * interpreter's caches (soft TLB, pre-decoded blocks, lazy flags) and the
 * helpers every instruction handler uses.
 *
 * Invariants:
 * - s.rflags holds every flag except the six arithmetic ones while lf.op is
 *   not LF_NONE; then CF PF AF ZF SF OF come from lf (flags.c).
 * - A soft TLB write entry exists only for a page that holds no decoded code
 *   and, when its slot logs dirty pages, that has been marked dirty.
 * - A pre-decoded block is valid for exactly the (physical address, eip,
 *   cs base, mode) it was decoded under; a write to its page drops it.
 */
#ifndef X86_CPU_H
#define X86_CPU_H

#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include "vmm/memslot.h"
#include "vmm/vcpu.h"
#include "tlb.h"

struct vcpu;
struct vm;
struct memslot;

/* Segment register numbers as instructions encode them; LDT and TR follow. */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDT, SEG_TR, SEG_NR };

struct x86_seg {
	uint64_t base;
	uint32_t limit;		/* in bytes (g already applied) */
	uint16_t sel;
	uint8_t type, s, dpl, p, avl, l, db, g;
};

/* KVM_GET/SET_VCPU_EVENTS. */
struct x86_events {
	uint8_t exc_injected, exc_nr, exc_has_error;
	uint32_t exc_error;
	uint8_t int_injected, int_nr, int_soft, int_shadow;
	uint8_t nmi_injected, nmi_pending, nmi_masked;
	uint32_t sipi_vector;
};

/* Everything the state files show; one struct so one table layout serves all. */
struct x86_state {
	uint64_t gpr[16];
	uint64_t rip, rflags;
	struct x86_seg seg[SEG_NR];
	struct { uint64_t base; uint16_t limit; } gdt, idt;
	uint64_t cr0, cr2, cr3, cr4, cr8, efer, apic_base;
	struct x86_events ev;
	/* debugregs */
	uint64_t dr[4], dr6, dr7;
	/* msrs: the model-specific registers that are not in sregs */
	uint64_t star, lstar, cstar, fmask, kernel_gs_base;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t pat, misc_enable, tsc_aux;
	/* kept for rdmsr, not in the msrs file: MCG_STATUS, SPEC_CTRL, the MTRRs */
	uint64_t mcg_status, spec_ctrl, mtrr_def_type, mtrr_fixed[11], mtrr_var[16];
	uint64_t tsc;		/* shown and set; the clock keeps running from it */
};

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI };

#define FL_CF 0x0001
#define FL_PF 0x0004
#define FL_AF 0x0010
#define FL_ZF 0x0040
#define FL_SF 0x0080
#define FL_TF 0x0100
#define FL_IF 0x0200
#define FL_DF 0x0400
#define FL_OF 0x0800
#define FL_IOPL 0x3000
#define FL_NT 0x4000
#define FL_RF 0x10000
#define FL_VM 0x20000
#define FL_AC 0x40000
#define FL_ID 0x200000
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)
/* Bits popf and iret within a mode can change (bit 1 always reads 1; VIF/VIP not modelled).
 * VM changes only with the mode: iret to virtual-8086 mode, task switches, events. */
#define FL_WRITABLE (FL_ARITH | FL_TF | FL_IF | FL_DF | FL_IOPL | FL_NT | FL_RF | FL_AC | FL_ID)

#define CR0_PE 0x1u
#define CR0_MP 0x2u
#define CR0_EM 0x4u
#define CR0_TS 0x8u
#define CR0_ET 0x10u
#define CR0_NE 0x20u
#define CR0_WP 0x10000u
#define CR0_AM 0x40000u
#define CR0_NW 0x20000000u
#define CR0_CD 0x40000000u
#define CR0_PG 0x80000000u
#define EFER_SCE 1u
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)
#define CR4_DE (1u << 3)
#define CR4_PAE (1u << 5)
#define CR4_TSD (1u << 2)

/*
 * Lazy flags: the last flag-setting operation, evaluated when a flag is
 * read.  res, a and b are masked to the size; LF_LOGIC needs only res.
 */
enum { LF_NONE, LF_ADD, LF_ADC, LF_SUB, LF_SBB, LF_LOGIC, LF_AUX, LF_INC, LF_DEC };
/* Or'ed into op by a rotate: CF and OF come from aux (which keeps its AF
 * bit), the other flags from the operation as recorded. */
#define LF_CFOF 0x100
struct lazyf {
	uint32_t op, size;	/* size in bytes */
	uint64_t res, a, b;	/* res = a op b */
	uint32_t aux;		/* LF_AUX: CF, AF, OF as computed by the instruction;
				 * LF_ADC/LF_SBB: the carry in; LF_INC/LF_DEC: CF kept (FL_CF or 0);
				 * with LF_CFOF: CF and OF */
};

/* Decode mode: what changes how bytes decode, part of every block's key. */
#define MODE_OP32 1u	/* cs.db: default operand and address size 32 */
#define MODE_STK32 2u	/* ss.db: esp rather than sp */
#define MODE_PE 4u	/* protected mode, but not virtual-8086 mode: descriptors, rights */
#define MODE_LONG 8u	/* 64-bit code segment: REX, 64-bit addresses and stack */
#define MODE_LMA 16u	/* long mode active (64-bit or compatibility mode): 16-byte IDT gates */

/* One cpuid leaf as userspace set it (KVM_SET_CPUID2's entry). */
struct cpuid_entry {
	uint32_t leaf, sub, has_sub;
	uint32_t r[4];		/* eax ebx ecx edx */
};

struct x86_cpu;
struct insn;
typedef int (*xhandler)(struct x86_cpu *, const struct insn *);

#define NOREG 0xff

/* One pre-decoded instruction: the handler and everything it needs. */
struct insn {
	xhandler fn;
	uint64_t ip, next;	/* eip of this instruction and of the next */
	uint64_t imm;		/* immediate, sign- or zero-extended; branch target for jumps */
	int64_t disp;		/* RIP-relative: the absolute target, base NOREG */
	uint16_t imm2;		/* second immediate: enter's level, far pointer selector */
	uint8_t len, os, as;	/* length; operand and address size in bytes */
	uint8_t seg;		/* segment of the memory operand (after overrides) */
	uint8_t mod;		/* 3: rm is a register */
	uint8_t reg, rm;	/* register numbers 0-15 */
	uint8_t roff, rmoff;	/* byte offsets into gpr[] for reg and rm at operand size */
	uint8_t base, index, scale;	/* memory operand; NOREG when absent */
	uint8_t rep;		/* 0, REP_E (f3), REP_NE (f2) */
	uint8_t op;		/* sub-operation: ALU op, condition, shift kind ... */
	uint8_t opc;		/* opcode byte (second byte for 0f xx) */
	uint8_t ss;		/* stack width in bytes */
	uint8_t bytes[15];	/* the raw instruction, for failures */
	uint8_t rex;		/* the REX prefix (0x40-0x4f), or 0 */
	uint8_t idx;		/* position in its block (the sentinel's: the block's length) */
	uint8_t p66;		/* a 66 prefix was given (it selects clflushopt, invpcid ...) */
};
#define REP_E 1
#define REP_NE 2

#define BLOCK_MAX 64
/*
 * Handler results beyond 0 (next), 1 (rip set) and 2 (end the run), for
 * transfers that change nothing else the run loop looks at between blocks:
 * BLOCK_END from the sentinel after a block's last instruction (it sets rip
 * and is not an instruction), INSN_BRANCH from near jumps, calls and returns.
 */
#define BLOCK_END 3
#define INSN_BRANCH 4
/* insn[n] is the sentinel: it sets rip to the address after the block. */
struct block {
	struct block *hnext;	/* hash chain */
	struct block *pnext;	/* blocks on the same first page */
	struct block *pnext2;	/* blocks whose last instruction spills onto a second page */
	uint64_t pa, eip, cs_base;
	uint64_t pa_last;	/* physical address of the last byte */
	uint32_t mode, n;
	uint64_t jc_gen;	/* the vcpu's jc_gen when it entered the jump cache */
	struct insn insn[];
};

/* A guest physical page that holds decoded code. */
struct cpage {
	struct cpage *next;
	uint64_t gfn;
	uint64_t chunks;	/* 64-byte chunks covered by decoded instructions */
	struct block *blocks, *blocks2;
};


/*
 * Or'ed into a data access's kind for the memory slow path: who makes it.
 * MMU_SV: a supervisor access whatever the CPL (the frame an event pushes
 * on the stack of the inner ring it enters).  MMU_IMPLICIT: an implicit
 * supervisor access (SDM "Access Rights": the GDT, LDT, IDT and TSS):
 * supervisor rights, and SMAP applies whatever EFLAGS.AC says.
 */
#define MMU_SV 0x10
#define MMU_NOAC 0x20
#define MMU_IMPLICIT (MMU_SV | MMU_NOAC)
#define MMU_KIND(kind) ((kind) & 0xf)

#define BHASH_SIZE 4096
#define CPAGE_HASH 1024
#define JC_SIZE 1024

static inline unsigned jc_index(uint64_t eip)
{
	return (eip ^ (eip >> 10)) & (JC_SIZE - 1);
}

/* The arch counters in vcpu->astat[]: X(enum suffix, name shown in stats). */
#define X86_STATS(X) \
	X(BLOCKS, "blocks_decoded") \
	X(CODE_BYTES, "code_cache_bytes") \
	X(BLOCK_FLUSHES, "block_flushes") \
	X(CODE_WRITES, "code_page_invalidations") \
	X(EVENTS, "events_delivered") \
	X(TLB_FILLS, "tlb_fills") \
	X(SHADOW_FAULTS, "shadow_faults") \
	X(PF_REFLECTED, "guest_page_faults") \
	X(SPTES, "sptes_installed") \
	X(PT_WRITES, "pt_writes_emulated") \
	X(UNSYNC, "unsync") \
	X(SYNC, "sync") \
	X(SPTE_ZAPS, "spte_zaps") \
	X(SP_CREATED, "shadow_pages_created") \
	X(SP_EVICTED, "shadow_pages_evicted") \
	X(ROOT_HITS, "cr3_cache_hits") \
	X(ROOT_MISSES, "cr3_cache_misses") \
	X(CR3_WRITES, "cr3_writes") \
	X(INVLPG, "invlpg") \
	X(TLB_FLUSHES, "tlb_flushes") \
	X(TLB_SWITCHES, "tlb_switches") \
	X(TLB_SETS_MADE, "tlb_sets") \
	X(HYPERCALLS, "hypercalls")
enum {
#define XS(e, s) X86_STAT_##e,
	X86_STATS(XS)
#undef XS
};

/* What longjmp(c->jb, ...) means. */
enum { JMP_FAULT = 1, JMP_EXIT };

struct x86_cpu {
	struct x86_state s;
	struct lazyf lf;
	struct vcpu *v;
	struct vm *vm;
	uint32_t mode;
	uint8_t cpl;
	uint8_t shadow;		/* interrupt shadow for the next instruction */
	uint8_t delivering;	/* nesting of event delivery (double/triple fault) */

	/* The interpreter's position, for faults and exits in the middle of a block. */
	const struct insn *cur, *first, *stop;
	jmp_buf jb;
	uint8_t fault_vec, fault_has_err;
	uint32_t fault_err;
	int result;		/* enum run_result for a handler that ends the run */
	uint64_t done;		/* instructions retired in this run */

	struct tlbe (*tlb)[TLB_SIZE];	/* the active set's entries: tlb[kind][index] (tlb.h) */
	struct tlb_state tlbs;
	struct memslot *last_slot;

	struct block *bhash[BHASH_SIZE];
	struct block *jc[JC_SIZE];	/* eip -> block, checked against the key */
	uint64_t jc_gen;	/* bumped to empty the jump cache at once (TLB flushes); never wraps */
	struct cpage *cpages[CPAGE_HASH];
	unsigned ncpages;
	struct block *dead;	/* invalidated while possibly executing; freed at dispatch */
	/* bytes of blocks (dead ones too) and cpages: bounded by vcpu_code_budget() */
	uint64_t code_bytes;

	uint64_t tsc_base;

	/* cpuid leaves userspace set through the cpuid file (cpuid.c) */
	struct cpuid_entry *cpuid;
	unsigned ncpuid;
	uint8_t ran;		/* the vcpu has run: the cpuid model is fixed */
	uint8_t guest_debug;	/* debug on: breakpoints and TF end the run (reason=debug) */
	uint8_t hc_pending;	/* the vmcall at hc_rip exited: the next run takes its answer from exit */
	uint64_t hc_rip;
	uint8_t dbg_armed;	/* DR7 enables a breakpoint: run one instruction at a time */
	uint8_t watching;	/* ... and a data breakpoint: watched pages stay out of the soft TLB */
	uint32_t db_hits;	/* DR6 B0-B3 of the data breakpoints the current instruction hit */
	uint32_t db_pending;	/* DR6 bits held back by mov ss / pop ss for one instruction */
#define DR6_BS (1u << 14)	/* single step */
#define DB_NOW 0x80000000u	/* in db_pending: the trap is due before the next instruction (sysret) */

	uint8_t seg_rchk, seg_wchk;	/* segments whose reads / writes need seg_check (bit = SEG_x) */

	struct x86_mmu *mmu;	/* the shadow page engine (mmu.h) */
};

/* ---- x86.c ---- */
/* vcpu->arch is the struct x86_cpu (arch_ops.vcpu_size). */
static inline struct x86_cpu *x86_of(struct vcpu *v)
{
	return v->arch;
}
void x86_mode_update(struct x86_cpu *c);
void x86_reset_state(struct x86_cpu *c);

/* ---- flags.c ---- */
uint64_t flags_get(struct x86_cpu *c);
void flags_set(struct x86_cpu *c, uint64_t f);	/* all writable bits and VM; keeps bit 1 */
int flags_cf_slow(struct x86_cpu *c);
int flags_cond(struct x86_cpu *c, unsigned cc);	/* jcc/setcc/cmovcc condition 0-15 */
void flags_set_arith(struct x86_cpu *c, uint32_t arith);	/* set CF..OF eagerly */
/* rflags after popf/iret loads `nw` over `old` at the current privilege (exec_mov.c). */
uint64_t x86_flags_merge(struct x86_cpu *c, uint64_t old, uint64_t nw, unsigned os);

static inline uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* CF alone, as adc/sbb/inc/dec/rcl need it: cheap for the common ops. */
static inline int flags_cf(struct x86_cpu *c)
{
	switch (c->lf.op) {
	case LF_NONE: return c->s.rflags & FL_CF;
	case LF_ADD: return c->lf.res < c->lf.a;
	case LF_SUB: return c->lf.a < c->lf.b;
	case LF_LOGIC: return 0;
	case LF_INC: case LF_DEC: return c->lf.aux != 0;
	default: return flags_cf_slow(c);
	}
}

/* A rotate's flags: CF and OF (FL_CF|FL_OF bits) over the others, still lazy. */
static inline void flags_set_cfof(struct x86_cpu *c, uint32_t cfof)
{
	if (c->lf.op == LF_NONE) {
		c->s.rflags = (c->s.rflags & ~(uint64_t)(FL_CF | FL_OF)) | cfof;
		return;
	}
	c->lf.op |= LF_CFOF;
	c->lf.aux = (c->lf.aux & FL_AF) | cfof;
}

static inline void lf_set(struct x86_cpu *c, uint32_t op, uint32_t size, uint64_t res,
			  uint64_t a, uint64_t b)
{
	c->lf.op = op;
	c->lf.size = size;
	c->lf.res = res;
	c->lf.a = a;
	c->lf.b = b;
}

/* ---- mem.c: the memory path ---- */
enum { ACC_OK = 0, ACC_EXIT = 1, ACC_UNMAPPED_FETCH = 2 };
/* Slow paths; return ACC_OK or ACC_EXIT (vcpu->exit filled by vcpu_io). */
int mem_read_slow(struct x86_cpu *c, uint64_t lin, unsigned size, uint64_t *val);
int mem_write_slow(struct x86_cpu *c, uint64_t lin, unsigned size, uint64_t val);
/* The same for an access of another kind (how: MMU_SV, MMU_IMPLICIT). */
int mem_read_as(struct x86_cpu *c, uint64_t lin, unsigned size, uint64_t *val, unsigned how);
int mem_write_as(struct x86_cpu *c, uint64_t lin, unsigned size, uint64_t val, unsigned how);
/* Host pointer for instruction fetch of `lin`, with bytes available to the page end. */
const uint8_t *mem_fetch_ptr(struct x86_cpu *c, uint64_t lin, uint64_t *pa);
/* The same for the decoder's look at the next page: NULL rather than a #PF. */
const uint8_t *mem_fetch_ptr_nofault(struct x86_cpu *c, uint64_t lin, uint64_t *pa);

_Noreturn void x86_exit_now(struct x86_cpu *c);
_Noreturn void x86_fault(struct x86_cpu *c, unsigned vec, int has_err, uint32_t err);
_Noreturn void x86_internal(struct x86_cpu *c, const char *why);

static inline uint64_t host_load(const void *p, unsigned size)
{
	uint8_t b;
	uint16_t h;
	uint32_t w;
	uint64_t q;

	switch (size) {
	case 1: memcpy(&b, p, 1); return b;
	case 2: memcpy(&h, p, 2); return h;
	case 4: memcpy(&w, p, 4); return w;
	default: memcpy(&q, p, 8); return q;
	}
}

static inline void host_store(void *p, unsigned size, uint64_t v)
{
	uint8_t b = v;
	uint16_t h = v;
	uint32_t w = v;

	switch (size) {
	case 1: memcpy(p, &b, 1); break;
	case 2: memcpy(p, &h, 2); break;
	case 4: memcpy(p, &w, 4); break;
	default: memcpy(p, &v, 8); break;
	}
}

/* Linear-address accesses that fault or exit by longjmp. */
static inline uint64_t lin_read(struct x86_cpu *c, uint64_t lin, unsigned size)
{
	const struct tlbe *e = &c->tlb[TLB_READ][(lin >> PAGE_SHIFT) & (TLB_SIZE - 1)];
	uint64_t val;

	if (__builtin_expect(e->tag == (lin & PAGE_MASK) && (lin & ~PAGE_MASK) <= PAGE_SIZE - size, 1))
		return host_load((const void *)(uintptr_t)(lin + e->delta), size);
	if (mem_read_slow(c, lin, size, &val))
		x86_exit_now(c);
	return val;
}

static inline void lin_write(struct x86_cpu *c, uint64_t lin, unsigned size, uint64_t val)
{
	const struct tlbe *e = &c->tlb[TLB_WRITE][(lin >> PAGE_SHIFT) & (TLB_SIZE - 1)];

	if (__builtin_expect(e->tag == (lin & PAGE_MASK) && (lin & ~PAGE_MASK) <= PAGE_SIZE - size, 1)) {
		host_store((void *)(uintptr_t)(lin + e->delta), size, val);
		return;
	}
	if (mem_write_slow(c, lin, size, val))
		x86_exit_now(c);
}

/*
 * Supervisor accesses at any CPL: sys_* for the implicit ones (descriptor
 * tables, TSS), sv_write for the frame pushed on an inner ring's stack.
 * Below CPL 3 the soft TLB's entries carry supervisor rights and none of
 * them maps a user page under SMAP, so a hit may be used; at CPL 3 its
 * entries are user ones and the slow path decides.
 */
static inline uint64_t mem_read_sv(struct x86_cpu *c, uint64_t lin, unsigned size, unsigned how)
{
	const struct tlbe *e = &c->tlb[TLB_READ][(lin >> PAGE_SHIFT) & (TLB_SIZE - 1)];
	uint64_t val;

	if (c->cpl < 3 && e->tag == (lin & PAGE_MASK) && (lin & ~PAGE_MASK) <= PAGE_SIZE - size)
		return host_load((const void *)(uintptr_t)(lin + e->delta), size);
	if (mem_read_as(c, lin, size, &val, how))
		x86_exit_now(c);
	return val;
}

static inline void mem_write_sv(struct x86_cpu *c, uint64_t lin, unsigned size, uint64_t val, unsigned how)
{
	const struct tlbe *e = &c->tlb[TLB_WRITE][(lin >> PAGE_SHIFT) & (TLB_SIZE - 1)];

	if (c->cpl < 3 && e->tag == (lin & PAGE_MASK) && (lin & ~PAGE_MASK) <= PAGE_SIZE - size) {
		host_store((void *)(uintptr_t)(lin + e->delta), size, val);
		return;
	}
	if (mem_write_as(c, lin, size, val, how))
		x86_exit_now(c);
}

static inline uint64_t sys_read(struct x86_cpu *c, uint64_t lin, unsigned size)
{
	return mem_read_sv(c, lin, size, MMU_IMPLICIT);
}

static inline void sys_write(struct x86_cpu *c, uint64_t lin, unsigned size, uint64_t val)
{
	mem_write_sv(c, lin, size, val, MMU_IMPLICIT);
}

static inline void sv_write(struct x86_cpu *c, uint64_t lin, unsigned size, uint64_t val)
{
	mem_write_sv(c, lin, size, val, MMU_SV);
}

/* Outside long mode linear addresses are 32 bits; in 64-bit mode only FS and
 * GS have a base, and an address must be canonical. */
static inline uint64_t seg_lin(struct x86_cpu *c, unsigned seg, uint64_t off)
{
	if (c->mode & MODE_LONG) {
		uint64_t lin = off + (seg >= SEG_FS ? c->s.seg[seg].base : 0);

		if (__builtin_expect((uint64_t)((int64_t)(lin << 16) >> 16) != lin, 0))
			x86_fault(c, seg == SEG_SS ? 12 : 13, 1, 0);
		return lin;
	}
	return (uint32_t)(c->s.seg[seg].base + off);
}

/* seg.c: limit and rights checks for the segments that are not flat. */
void seg_check(struct x86_cpu *c, unsigned seg, uint64_t off, unsigned size, int write);

static inline uint64_t seg_read(struct x86_cpu *c, unsigned seg, uint64_t off, unsigned size)
{
	if (__builtin_expect((c->seg_rchk >> seg) & 1, 0))
		seg_check(c, seg, off, size, 0);
	return lin_read(c, seg_lin(c, seg, off), size);
}

static inline void seg_write(struct x86_cpu *c, unsigned seg, uint64_t off, unsigned size, uint64_t v)
{
	if (__builtin_expect((c->seg_wchk >> seg) & 1, 0))
		seg_check(c, seg, off, size, 1);
	lin_write(c, seg_lin(c, seg, off), size, v);
}

/*
 * The fast handlers' memory path: the host address of an access that hits
 * the soft TLB, is naturally aligned and needs no segment check, else NULL
 * and the caller hands the instruction to its generic handler (which
 * faults, exits, splits or fills the TLB).  A non-canonical address never
 * matches a tag, so 64-bit mode needs no check here.  `off` is already
 * reduced to the address size.
 */
static inline void *fast_ptr(struct x86_cpu *c, int kind, unsigned seg, uint64_t off, unsigned size)
{
	const struct tlbe *e;
	uint64_t lin;

	if (((kind == TLB_WRITE ? c->seg_wchk : c->seg_rchk) >> seg) & 1)
		return NULL;
	if (c->mode & MODE_LONG)
		lin = off + (seg >= SEG_FS ? c->s.seg[seg].base : 0);
	else
		lin = (uint32_t)(c->s.seg[seg].base + off);
	e = &c->tlb[kind][(lin >> PAGE_SHIFT) & (TLB_SIZE - 1)];
	if (__builtin_expect(e->tag != (lin & (PAGE_MASK | (size - 1))), 0))
		return NULL;
	return (void *)(uintptr_t)(lin + e->delta);
}

/* The effective address of a fast form: its address size is the mode's
 * (32 bits outside 64-bit mode, where the linear address wraps anyway). */
static inline uint64_t fast_ea(const struct x86_cpu *c, const struct insn *i)
{
	uint64_t a = (uint64_t)i->disp;

	if (i->base != NOREG)
		a += c->s.gpr[i->base];
	if (i->index != NOREG)
		a += c->s.gpr[i->index] << i->scale;
	return a;
}

/* ---- operand helpers ---- */
static inline uint64_t reg_get(struct x86_cpu *c, unsigned off, unsigned size)
{
	return host_load((const uint8_t *)c->s.gpr + off, size);
}

/* 32-bit writes zero the upper half, as in long mode (harmless elsewhere). */
static inline void reg_put(struct x86_cpu *c, unsigned off, unsigned size, uint64_t v)
{
	if (size == 4)
		host_store((uint8_t *)c->s.gpr + off, 8, (uint32_t)v);
	else
		host_store((uint8_t *)c->s.gpr + off, size, v);
}

static inline uint64_t insn_ea(struct x86_cpu *c, const struct insn *i)
{
	uint64_t a = (uint64_t)i->disp;

	if (i->base != NOREG)
		a += c->s.gpr[i->base];
	if (i->index != NOREG)
		a += c->s.gpr[i->index] << i->scale;
	return a & size_mask(i->as);
}

static inline uint64_t rm_get(struct x86_cpu *c, const struct insn *i, unsigned size)
{
	if (i->mod == 3)
		return reg_get(c, i->rmoff, size);
	return seg_read(c, i->seg, insn_ea(c, i), size);
}

static inline void rm_put(struct x86_cpu *c, const struct insn *i, unsigned size, uint64_t v)
{
	if (i->mod == 3)
		reg_put(c, i->rmoff, size, v);
	else
		seg_write(c, i->seg, insn_ea(c, i), size, v);
}

/* Stack: push writes memory before rsp changes, so a fault leaves rsp alone. */
static inline uint64_t sp_get(struct x86_cpu *c, unsigned ss)
{
	return c->s.gpr[RSP] & size_mask(ss);
}

static inline void sp_put(struct x86_cpu *c, unsigned ss, uint64_t v)
{
	if (ss == 2)
		c->s.gpr[RSP] = (c->s.gpr[RSP] & ~0xffffull) | (v & 0xffff);
	else if (ss == 4)
		c->s.gpr[RSP] = (uint32_t)v;
	else
		c->s.gpr[RSP] = v;
}

static inline void push(struct x86_cpu *c, unsigned ss, unsigned size, uint64_t v)
{
	uint64_t sp = (sp_get(c, ss) - size) & size_mask(ss);

	seg_write(c, SEG_SS, sp, size, v);
	sp_put(c, ss, sp);
}

static inline uint64_t pop(struct x86_cpu *c, unsigned ss, unsigned size)
{
	uint64_t sp = sp_get(c, ss);
	uint64_t v = seg_read(c, SEG_SS, sp, size);

	sp_put(c, ss, sp + size);
	return v;
}

/* ---- seg.c ---- */
void seg_load_real(struct x86_cpu *c, unsigned seg, uint16_t sel);
/* A segment register as entering virtual-8086 mode loads it. */
void seg_v86(struct x86_seg *s, uint16_t sel);
/* Load a data or stack segment register as mov/pop/lds do (faults by longjmp). */
void seg_load(struct x86_cpu *c, unsigned seg, uint16_t sel);
/* Descriptor fetch without faulting: 0, or the vector to raise (#GP, #NP ...). */
int seg_desc_read(struct x86_cpu *c, uint16_t sel, struct x86_seg *out, int *vec);
/* The 8 bytes of sel's descriptor from the GDT or LDT; -1 outside the table. */
int seg_desc_raw(struct x86_cpu *c, uint16_t sel, uint32_t *lo, uint32_t *hi);
void seg_desc_parse(uint32_t lo, uint32_t hi, uint16_t sel, struct x86_seg *d);
/* Recompute seg_rchk/seg_wchk after a segment register or the mode changed. */
void seg_checks_update(struct x86_cpu *c);
void seg_flat32(struct x86_seg *s, uint16_t sel, int code);
/* lldt / ltr (seg = SEG_LDT or SEG_TR). */
void seg_load_system(struct x86_cpu *c, unsigned seg, uint16_t sel);

/* ---- msr.c ---- */
/* rdmsr/wrmsr semantics: 0, or -1 for #GP (unknown MSR, reserved bits, non-canonical). */
int msr_read(struct x86_cpu *c, uint32_t idx, uint64_t *v);
int msr_write(struct x86_cpu *c, uint32_t idx, uint64_t v);
uint64_t x86_tsc(struct x86_cpu *c);
void x86_tsc_set(struct x86_cpu *c, uint64_t v);
/* cpuid.c: the model with the vcpu's overrides. */
void x86_cpuid_vcpu(struct x86_cpu *c, uint32_t leaf, uint32_t sub, uint32_t out[4]);
/* Bit `bit` of register reg (0 eax .. 3 edx) of leaf (sub 0): what instructions and MSRs exist. */
int x86_cpuid_has(struct x86_cpu *c, uint32_t leaf, unsigned reg, unsigned bit);

/* ---- excp.c ---- */
enum { EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_UD = 6, EXC_NM = 7,
       EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12, EXC_GP = 13, EXC_PF = 14, EXC_MC = 18 };
/* Deliver through the IVT or IDT.  soft: int n (pushes next ip, ignores nothing).
 * Returns 0, or 1 when the vcpu shut down / failed (vcpu->exit filled). */
int x86_deliver(struct x86_cpu *c, unsigned vec, int has_err, uint32_t err, int soft, uint64_t ret_ip);
/* Pending injected events: deliver what can be delivered now.  Returns as x86_deliver. */
int x86_inject_pending(struct x86_cpu *c);
int x86_irq_deliverable(struct x86_cpu *c);
/* The stack the current TSS holds for ring ncpl (a call gate inward); faults by longjmp. */
void x86_tss_stack(struct x86_cpu *c, unsigned ncpl, struct x86_seg *nss, uint64_t *nsp);

/* ---- debug.c: DR0-7 breakpoints, TF, guest debugging ---- */
enum { DBG_NONE = 0, DBG_DELIVERED = -1 };	/* or RUN_EXIT */
void x86_debug_update(struct x86_cpu *c);	/* DR7 or DR0-3 changed */
/* Before an instruction at cs:rip: its execute breakpoint, if any. */
int x86_debug_before(struct x86_cpu *c);
/* After instruction i retired: RF, TF and data breakpoint traps.  fl0: rflags
 * before it; events0: astat[X86_STAT_EVENTS] before it. */
int x86_debug_after(struct x86_cpu *c, const struct insn *i, uint64_t fl0, uint64_t events0);
/* The memory slow path's view: a watched page (no soft TLB entry), an access. */
int x86_watch_page(const struct x86_cpu *c, uint64_t lin);
void x86_watch(struct x86_cpu *c, uint64_t lin, unsigned size, int write);
int x86_set_guest_debug(struct vm *vm, int on, char *why, size_t whylen);

/* ---- block.c ---- */
struct block *block_get(struct x86_cpu *c, int *err);
void blocks_flush(struct x86_cpu *c);
void blocks_page_written(struct x86_cpu *c, uint64_t gfn, uint64_t off, unsigned len);
struct cpage *cpage_find(struct x86_cpu *c, uint64_t gfn);
void blocks_free_dead(struct x86_cpu *c);

/* ---- decode.c ---- */
/* Decode one instruction at eip; fetch via `fetch`.  0, or -1 with i->fn NULL
 * (bytes unavailable) or the #UD handler installed for an undefined opcode. */
struct fetcher {
	struct x86_cpu *c;
	uint64_t lin;		/* linear address of byte 0 */
	const uint8_t *p;	/* host bytes, valid up to `avail` */
	unsigned avail;
	const uint8_t *p2;	/* next page, when needed */
	unsigned avail2;
	int crossed;
	int fail;
};
int x86_decode(struct fetcher *f, uint32_t mode, uint64_t eip, struct insn *i);
/* Does this instruction end a block? */
int insn_ends_block(const struct insn *i);
/* fast.c: the handler made for this instruction's shape, if it has one. */
void insn_fast(struct insn *i);

#endif
