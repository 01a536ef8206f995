/*
 * PowerPC 440 (BookE, 32-bit, big-endian): the state shared by the
 * interpreter, the BookE interrupt and timer logic, the shadow TLB engine
 * and the Bamboo-compatible platform.
 *
 * Bit names follow the 440 user manual; masks are given in the usual
 * little-endian-numbered form (bit 0 of the manual is 0x80000000).
 */
#ifndef ARCH_PPC_PPC_H
#define ARCH_PPC_PPC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm/vcpu.h"
#include "vmm/vm.h"

struct ppc;
struct op;

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* MSR */
#define MSR_WE  0x00040000u
#define MSR_CE  0x00020000u
#define MSR_EE  0x00008000u
#define MSR_PR  0x00004000u
#define MSR_FP  0x00002000u
#define MSR_ME  0x00001000u
#define MSR_FE0 0x00000800u
#define MSR_DWE 0x00000400u
#define MSR_DE  0x00000200u
#define MSR_FE1 0x00000100u
#define MSR_IS  0x00000020u
#define MSR_DS  0x00000010u
#define MSR_MASK (MSR_WE | MSR_CE | MSR_EE | MSR_PR | MSR_FP | MSR_ME | MSR_FE0 | \
		  MSR_DWE | MSR_DE | MSR_FE1 | MSR_IS | MSR_DS)

/* XER */
#define XER_SO 0x80000000u
#define XER_OV 0x40000000u
#define XER_CA 0x20000000u

/* ESR */
#define ESR_MCI 0x80000000u
#define ESR_PIL 0x08000000u
#define ESR_PPR 0x04000000u
#define ESR_PTR 0x02000000u
#define ESR_FP  0x01000000u
#define ESR_ST  0x00800000u
#define ESR_AP  0x00080000u
#define ESR_PUO 0x00040000u

/* TCR / TSR */
#define TCR_WP(t)  (((t) >> 30) & 3)
#define TCR_WRC(t) (((t) >> 28) & 3)
#define TCR_WIE  0x08000000u
#define TCR_DIE  0x04000000u
#define TCR_FP(t)  (((t) >> 24) & 3)
#define TCR_FIE  0x00800000u
#define TCR_ARE  0x00400000u
#define TSR_ENW  0x80000000u
#define TSR_WIS  0x40000000u
#define TSR_WRS_SHIFT 28
#define TSR_DIS  0x08000000u
#define TSR_FIS  0x04000000u

/* DBCR0 enables and the DBSR events they record share bit positions (IAC, DAC, ...). */
#define DBCR0_IDM  0x40000000u
#define DBCR0_RST  0x30000000u
#define DBG_ICMP   0x08000000u
#define DBG_BRT    0x04000000u
#define DBG_TRAP   0x01000000u
#define DBG_IAC(n) (0x00800000u >> (n))		/* n = 0..3: IAC1-4 */
#define DBG_IAC_ALL 0x00f00000u
#define DBG_DACR(n) (0x00080000u >> 2 * (n))	/* n = 0..1: DAC1R, DAC2R */
#define DBG_DACW(n) (0x00040000u >> 2 * (n))
#define DBG_DAC_ALL 0x000f0000u
#define DBSR_IDE   0x80000000u		/* an event was recorded while MSR[DE] was 0 */
#define DBSR_EVENTS (DBG_ICMP | DBG_BRT | DBG_TRAP | DBG_IAC_ALL | DBG_DAC_ALL)
#define MMUCR_STS 0x00010000u
#define MMUCR_STID 0x000000ffu

#define PPC440_PVR 0x422218d3u
#define PPC_TB_HZ 400000000ull		/* what the device tree says, as QEMU's bamboo */

/* Interrupt vectors: the IVOR index. */
enum ppc_ivor {
	IV_CRITICAL = 0, IV_MCHECK, IV_DSI, IV_ISI, IV_EXTERNAL, IV_ALIGN, IV_PROGRAM,
	IV_FPUNAVAIL, IV_SYSCALL, IV_APUNAVAIL, IV_DEC, IV_FIT, IV_WDT, IV_DTLB, IV_ITLB,
	IV_DEBUG, IV_NR
};

/* Guest TLB word layouts (tlbwe/tlbre). */
#define TLB0_EPN   0xfffffc00u
#define TLB0_V     0x00000200u
#define TLB0_TS    0x00000100u
#define TLB0_SIZE(w) (((w) >> 4) & 0xf)
#define TLB0_MASK  0xfffffff0u		/* TPAR is not kept */
#define TLB1_RPN   0xfffffc00u
#define TLB1_ERPN  0x0000000fu
#define TLB1_MASK  (TLB1_RPN | TLB1_ERPN)
#define TLB2_U(n)  (0x8000u >> (n))
#define TLB2_W 0x800u
#define TLB2_I 0x400u
#define TLB2_M 0x200u
#define TLB2_G 0x100u
#define TLB2_E 0x080u
#define TLB2_UX 0x20u
#define TLB2_UW 0x10u
#define TLB2_UR 0x08u
#define TLB2_SX 0x04u
#define TLB2_SW 0x02u
#define TLB2_SR 0x01u
#define TLB2_MASK 0x0000ffbfu

#define GTLB_N 64

struct gtlbe {
	uint32_t w0, w1, w2;
	uint8_t tid;
};

/*
 * The shadow TLB: 4 KiB translations the CPU really uses, tagged with
 * (TID, TS) like the guest's.  Every entry remembers the guest entry it came
 * from and sits on that entry's list, so a tlbwe drops exactly its
 * descendants.  Set-associative: index by virtual page.
 */
#define STLB_SETS 256
#define STLB_WAYS 4
#define STLB_N (STLB_SETS * STLB_WAYS)

struct stlbe {
	uint32_t vpn;			/* ea >> 12 */
	uint8_t valid, ts, tid;
	uint8_t perm;			/* TLB2_UX..SR */
	uint64_t gpa;			/* of the 4 KiB page */
	int16_t gidx;			/* guest entry it was filled from */
	int16_t next, prev;		/* on the guest entry's list */
};

/*
 * The one-probe soft TLB in front of the shadow TLB: per access kind, a
 * direct-mapped array indexed by virtual page.  The tag holds the page and
 * the translation context (PID, TS, PR) in the high half, so a context
 * switch needs no flush; misaligned accesses never match (low bits of the
 * tag are zero).  Data entries hold host-address deltas; fetch entries
 * point at the decoded page.
 */
#define SOFT_N 256
enum { ACC_R, ACC_W, ACC_X };

struct softe {
	uint64_t tag;
	uintptr_t addend;		/* host = addend + ea (data); struct code_page * (fetch) */
};

/* A decoded instruction: handler and pre-extracted operands. */
typedef int (*op_fn)(struct ppc *c, struct op *o);
struct op {
	op_fn fn;
	uint32_t insn;
	uint8_t rt, ra, rb, rc;		/* rc: the Rc bit, or a 4th field */
	int32_t imm;
	uint32_t aux;
	uint32_t off;			/* byte offset in the page: pc = c->vbase + off */
	int32_t link;			/* a relative branch: its target slot - this one, in bytes */
};
#define NO_LINK INT32_MIN		/* the target is outside the page */
#define GPR_ZERO 32			/* gpr[GPR_ZERO] is always 0 */

/* Results of a handler beyond "0: next instruction". */
enum {
	R_JUMP = 1,	/* retired (or took an interrupt); c->pc is the next pc */
	R_EXIT = 2,	/* not retired: return to userspace (vcpu->exit filled) */
	R_STOPPED = 3,	/* reached a stop slot (end of page, of budget): it did not run */
};

/* Decoded code of one guest-physical page; a store resets the slots it overwrites. */
#define CODE_HASH 1024
struct code_page {
	uint64_t gpa;
	uint8_t *host;
	struct code_page *hnext;
	uint32_t ndecoded;
	struct op ops[1024 + 1];	/* + a stop slot: straight-line code needs no count */
};

/* Why the run stops after the current instruction retires. */
enum { STOP_NONE, STOP_EXIT };	/* STOP_EXIT: vcpu->exit is filled */

struct ppc {
	/* hot state first; after r31 a constant 0, the rA of a load or store's
	 * address when the instruction names r0 there (decode.c): no test for it */
	uint32_t gpr[32 + 1];
	uint32_t pc, msr, xer, lr, ctr;
	uint8_t crf[8];			/* CR, one 4-bit field each: a compare writes one byte */
	uint64_t ctx_d, ctx_i;		/* soft-TLB context tags for data and fetch */
	struct vcpu *v;
	struct vm *vm;
	struct code_page *cur_cp;	/* the page being executed */
	uint32_t vbase;			/* pc of cur_cp's first slot in the current translation */
	struct op *last;		/* the slot a chain of handlers ended at */
	/*
	 * Counting a chain: at a branch in slot o, cnt + (uintptr_t)o is 32
	 * times the instructions retired before it (struct op is 32 bytes), so
	 * a branch that goes on at slot t adds o + 32 - t.  Branches within the
	 * page go on while that is below lim, to another page while it is
	 * below far_lim; 0 ends the chain at the next branch.
	 */
	uint64_t cnt, lim, far_lim;
	bool irq_held;			/* the PV critical section held an interrupt off at the last look */
	int resync;			/* end the chain: context or interrupts changed (ppc_resync) */
	int stop;			/* STOP_*, after this instruction (ppc_stop) */

	struct softe soft[3][SOFT_N];

	uint64_t fpr[32];
	uint32_t fpscr;

	/* reservation for lwarx/stwcx. */
	bool resv_valid;
	uint8_t *resv_host;
	uint32_t resv_val;		/* the word lwarx read, as stored in memory */

	/* SPRs */
	uint32_t srr0, srr1, csrr0, csrr1, mcsrr0, mcsrr1;
	uint32_t dear, esr, mcsr, ivpr, ivor[IV_NR];
	uint32_t pid, mmucr, ccr0, ccr1, sprg[8], usprg0;
	uint32_t tcr, tsr, decar;
	uint32_t dbcr0, dbcr1, dbcr2, dbsr, iac[4], dac[2], dvc[2];
	uint32_t pir, rstcfg;
	bool dbg_insn;			/* IDM with IAC, ICMP or BRT: one instruction at a time */
	bool dbg_dac;			/* IDM with a DAC: no soft-TLB data entries */
	uint64_t nint;			/* interrupts taken, to tell a completed instruction */
	uint32_t ivlim, dvlim, inv[4], itv[4], dnv[4], dtv[4];	/* cache setup, kept for reads */

	/* time base and timers, in time-base ticks (host CLOCK_MONOTONIC based) */
	int64_t tb_offset;		/* tb = ns * 2 / 5 + tb_offset */
	bool dec_running;
	uint64_t dec_expire;		/* tb at which DEC reaches 0 */
	uint32_t dec_stopped;		/* DEC value while not running */
	uint64_t fit_next, wdt_next;
	uint32_t insn_until_clock;	/* instructions until the clock is read again */

	/* injected through `events` */
	bool inj_ext, inj_crit, inj_mchk;

	/* The paravirtual interface (pv.c).  While the magic page is mapped it is
	 * the home of MSR, SPRG0-7, SRR0/1, DEAR and ESR: the copies above are
	 * pulled from it before the trap and interrupt paths use them and pushed
	 * back after they change them. */
	uint8_t *magic;			/* the magic page's host address, NULL: not mapped */
	uint32_t magic_ea;		/* page-aligned */
	uint64_t magic_gpa;
	bool magic_in_ram;		/* the guest chose a RAM page: magic points into its slot */
	bool pv_idle;			/* EV_IDLE: wait until an interrupt is delivered */
	uint8_t user_call;		/* EXIT_OSI / EXIT_HYPERCALL awaiting its completion */
	uint8_t magic_own[4096] __attribute__((aligned(8)));	/* when not in RAM */

	/* MMU */
	struct gtlbe gtlb[GTLB_N];
	int16_t gtlb_head[GTLB_N];	/* shadow entries filled from each */
	struct stlbe stlb[STLB_N];
	uint8_t stlb_rr[STLB_SETS];	/* round-robin victim per set */

	/* decoded code */
	struct code_page *code[CODE_HASH];
	bool code_any;
	unsigned ncode;			/* pages in code[]: bounded by vcpu_code_budget() */
	struct op *plant;		/* a slot made a stop for the budget, or NULL */
	op_fn plant_fn;			/* its handler, put back after the run */
};

#define PPC(v) ((struct ppc *)(v)->arch)

/* Arch counters, X(enum, name). */
#define PPC_STATS(X) \
	X(STLB_FILL, "shadow_fills") \
	X(STLB_HIT, "shadow_hits") \
	X(GTLB_MISS_D, "guest_dtlb_misses") \
	X(GTLB_MISS_I, "guest_itlb_misses") \
	X(STLB_INVAL, "shadow_invalidations") \
	X(TLBWE, "tlbwe") \
	X(TLBIVAX, "tlbivax") \
	X(SOFT_MISS, "soft_tlb_misses") \
	X(SMALL_PAGE, "small_page_accesses") \
	X(TRAPS, "traps") \
	X(TRAP_MFMSR, "trap_mfmsr") \
	X(TRAP_MTMSR, "trap_mtmsr") \
	X(TRAP_WRTEE, "trap_wrtee") \
	X(TRAP_WRTEEI, "trap_wrteei") \
	X(TRAP_RFI, "trap_rfi") \
	X(TRAP_MFSPR, "trap_mfspr") \
	X(TRAP_MTSPR, "trap_mtspr") \
	X(TRAP_DCR, "trap_dcr") \
	X(TRAP_TLB, "trap_tlb") \
	X(TRAP_CACHE, "trap_cache") \
	X(HC_FEATURES, "hcall_features") \
	X(HC_MAP_MAGIC, "hcall_map_magic_page") \
	X(HC_IDLE, "hcall_idle") \
	X(HC_UNIMPL, "hcall_unimplemented") \
	X(HC_EXIT, "hcall_exits") \
	X(OSI, "osi_calls") \
	X(MAGIC_READ, "magic_read_fills") \
	X(MAGIC_WRITE, "magic_write_fills") \
	X(CODE_DECODE, "insns_decoded") \
	X(CODE_INVAL, "code_invalidations") \
	X(CODE_INVAL_SLOTS, "code_slot_invalidations") \
	X(CODE_BYTES, "code_cache_bytes") \
	X(CODE_FLUSHES, "block_flushes") \
	X(INT_CRITICAL, "int_critical") \
	X(INT_MCHECK, "int_machine_check") \
	X(INT_DSI, "int_data_storage") \
	X(INT_ISI, "int_inst_storage") \
	X(INT_EXTERNAL, "int_external") \
	X(INT_ALIGN, "int_alignment") \
	X(INT_PROGRAM, "int_program") \
	X(INT_FPUNAVAIL, "int_fp_unavailable") \
	X(INT_SYSCALL, "int_syscall") \
	X(INT_APUNAVAIL, "int_apu_unavailable") \
	X(INT_DEC, "int_decrementer") \
	X(INT_FIT, "int_fit") \
	X(INT_WDT, "int_watchdog") \
	X(INT_DTLB, "int_dtlb_miss") \
	X(INT_ITLB, "int_itlb_miss") \
	X(INT_DEBUG, "int_debug")

enum ppc_stat {
#define X(e, s) PS_##e,
	PPC_STATS(X)
#undef X
	PS_NR
};
#define PSTAT(c, e) ((c)->v->astat[PS_##e]++)

/* The platform: UIC0, DCR bus, UART, device tree. */
struct ppc_uic {
	pthread_mutex_t lock;
	uint32_t sr, er, cr, pr, tr, vcr, vr, level;
	int out;			/* bit 0: external, bit 1: critical; read atomically */
};

struct ppc_kicker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	bool pending, quit, running;
};

/* What load leaves for a reset to restore, as QEMU's bamboo does at every reset. */
struct ppc_boot {
	bool valid;
	uint32_t entry;
};

struct uart16550;
struct ppc_vm {
	bool pv_off;			/* no /hypervisor node, sc is never a hypercall */
	bool cap_osi, cap_hcall_exit;	/* enable-cap osi / hcall-exit */
	struct ppc_uic uic;
	struct ppc_kicker kick;
	struct ppc_boot boot;
	struct uart16550 *uart;
	void *dtb;			/* the last device tree built by load */
	size_t dtb_len;
	uint64_t dtb_gpa;
};

#define PPCVM(vm) ((struct ppc_vm *)(vm)->arch_state)

/* ---- cpu.c: context, MSR, reset ---- */
void ppc_update_ctx(struct ppc *c);
void ppc_set_msr(struct ppc *c, uint32_t msr);
void ppc_reset(struct ppc *c);

/* ---- booke.c: interrupts and timers ---- */
int ppc_raise(struct ppc *c, enum ppc_ivor iv, uint32_t srr0);
int ppc_program(struct ppc *c, uint32_t esr);	/* at c->pc */
int ppc_data_fault(struct ppc *c, enum ppc_ivor iv, uint32_t ea, int write);
uint64_t ppc_tb(struct ppc *c);
void ppc_tb_write(struct ppc *c, uint64_t tb);
uint32_t ppc_dec_read(struct ppc *c);
void ppc_dec_write(struct ppc *c, uint32_t val);
void ppc_tcr_write(struct ppc *c, uint32_t val);
void ppc_tsr_clear(struct ppc *c, uint32_t val);
void ppc_timers_update(struct ppc *c);
/* Deliver the highest-priority deliverable asynchronous interrupt; 1 if one was. */
int ppc_deliver(struct ppc *c);
int ppc_irq_deliverable(struct ppc *c);
/* The next CLOCK_MONOTONIC ns at which a timer may interrupt, 0 if none; -1 if nothing can wake. */
int64_t ppc_wake_deadline(struct ppc *c);
uint64_t ppc_now_ns(void);

int ppc_raise_esr(struct ppc *c, enum ppc_ivor iv, uint32_t srr0, uint32_t esr);

/* ---- debug.c: debug events (internal debug mode) ---- */
void ppc_debug_update(struct ppc *c);	/* after DBCR0 changed */
/* One instruction with IAC before, BRT and ICMP after; 0 or R_EXIT, *retired if it completed. */
int ppc_debug_step(struct ppc *c, struct op *o, bool *retired);
/* A data access to [ea, ea+size) while a DAC is enabled: 0, or R_JUMP (debug interrupt taken). */
int ppc_debug_dac(struct ppc *c, uint32_t ea, unsigned size, int write);
/* A trap condition met: R_JUMP if it became a debug interrupt, else 0 (take the program interrupt). */
int ppc_debug_trap(struct ppc *c);

/* ---- pv.c: the paravirtual interface ---- */
/* struct kvm_vcpu_arch_shared, big-endian; a 32-bit guest uses the low word of 64-bit fields */
enum {
	MAGIC_SCRATCH1 = 0, MAGIC_CRITICAL = 24, MAGIC_SPRG0 = 32, MAGIC_SRR0 = 64, MAGIC_SRR1 = 72,
	MAGIC_DAR = 80, MAGIC_MSR = 88, MAGIC_DSISR = 96, MAGIC_INT_PENDING = 100,
	MAGIC_ESR = 200, MAGIC_PIR = 204, MAGIC_SPRG4 = 208,
};
void pv_pull(struct ppc *c);
void pv_push(struct ppc *c);
bool pv_critical(struct ppc *c);
void pv_set_int_pending(struct ppc *c, bool pending);
/* The magic page's host address for a data access at ea, or NULL. */
uint8_t *pv_magic_at(struct ppc *c, uint32_t ea, int acc);
int pv_sc(struct ppc *c);		/* 0: an ordinary sc; else handled (R_JUMP) */
void pv_complete(struct ppc *c);	/* at the start of a run: apply a user's completion */
void pv_slots_changed(struct ppc *c);
int ppc_enable_cap(struct vm *vm, const char *name, char *why, size_t whylen);

/* ---- tlb.c: guest TLB, shadow TLB ---- */
void tlb_reset(struct ppc *c);
/* Translate: 0 and *gpa, or -1 miss in the guest TLB, or -2 permission denied. */
int tlb_translate(struct ppc *c, uint32_t ea, int acc, uint64_t *gpa, uint8_t *perm, bool *small);
int tlb_search(struct ppc *c, uint32_t ea, unsigned ts, unsigned tid);
void tlb_write(struct ppc *c, unsigned idx, unsigned ws, uint32_t val);
uint32_t tlb_read(struct ppc *c, unsigned idx, unsigned ws);
void tlb_set_entry(struct ppc *c, unsigned idx, const struct gtlbe *e);
void tlb_invalidate_ea(struct ppc *c, uint32_t ea);
void tlb_flush_shadow(struct ppc *c);
uint64_t gtlb_size(const struct gtlbe *e);

/* ---- mem.c: memory access ---- */
void soft_flush(struct ppc *c);
void soft_flush_writes(struct ppc *c);
int mem_load_slow(struct ppc *c, uint32_t ea, unsigned size, uint32_t *val);
int mem_store_slow(struct ppc *c, uint32_t ea, unsigned size, uint32_t val);
/* RAM only, for lwarx/stwcx./dcbz: host pointer or an interrupt/exit (ret). */
uint8_t *mem_ram(struct ppc *c, uint32_t ea, unsigned size, int acc, int *ret, uint64_t *gpa);
struct op *mem_fetch(struct ppc *c, unsigned *n, bool *chain, int *ret);

static inline uint32_t be32(const uint8_t *p) { uint32_t x; __builtin_memcpy(&x, p, 4); return __builtin_bswap32(x); }
static inline uint16_t be16(const uint8_t *p) { uint16_t x; __builtin_memcpy(&x, p, 2); return __builtin_bswap16(x); }
static inline void put_be32(uint8_t *p, uint32_t v) { v = __builtin_bswap32(v); __builtin_memcpy(p, &v, 4); }
static inline void put_be16(uint8_t *p, uint16_t v) { v = __builtin_bswap16(v); __builtin_memcpy(p, &v, 2); }

/*
 * Loads and stores: one probe of the soft TLB; anything else (miss,
 * misaligned, page crossing, MMIO, fault) in the slow path.  Return 0, or
 * R_JUMP (an interrupt was taken) or R_EXIT.
 */
static inline struct softe *soft_probe(struct ppc *c, int acc, uint32_t ea, unsigned size)
{
	struct softe *e = &c->soft[acc][(ea >> 12) & (SOFT_N - 1)];
	uint64_t tag = (acc == ACC_X ? c->ctx_i : c->ctx_d) | (ea & (0xfffff000u | (size - 1)));

	/* hits are not counted: a counter bumped by every access costs more than it tells */
	return likely(e->tag == tag) ? e : NULL;
}

/*
 * A chain leaving its page for target: it goes on there when the decoded
 * page is at hand in the fetch side of the soft TLB and the run allows
 * (far_lim; see struct ppc's cnt: x = cnt + the slot pointer, for what ran
 * before).  Otherwise it ends at slot o, done (R_JUMP) or not yet run
 * (R_STOPPED, the end of a page).
 */
static inline int chain_far(struct ppc *c, struct op *o, uint32_t target, uint64_t x, int r)
{
	struct softe *e = soft_probe(c, ACC_X, target, 4);

	if (e && x < c->far_lim) {
		struct code_page *cp = (struct code_page *)e->addend;
		struct op *t = &cp->ops[(target >> 2) & 1023];

		c->cur_cp = cp;
		c->vbase = target & ~0xfffu;
		c->cnt = x - (uintptr_t)t;
		return t->fn(c, t);
	}
	c->pc = target;
	c->last = o;
	return r;
}

static inline int ld32(struct ppc *c, uint32_t ea, uint32_t *val)
{
	struct softe *e = soft_probe(c, ACC_R, ea, 4);
	if (likely(e != NULL)) { *val = be32((uint8_t *)(e->addend + ea)); return 0; }
	return mem_load_slow(c, ea, 4, val);
}
static inline int ld16(struct ppc *c, uint32_t ea, uint32_t *val)
{
	struct softe *e = soft_probe(c, ACC_R, ea, 2);
	if (likely(e != NULL)) { *val = be16((uint8_t *)(e->addend + ea)); return 0; }
	return mem_load_slow(c, ea, 2, val);
}
static inline int ld8(struct ppc *c, uint32_t ea, uint32_t *val)
{
	struct softe *e = soft_probe(c, ACC_R, ea, 1);
	if (likely(e != NULL)) { *val = *(uint8_t *)(e->addend + ea); return 0; }
	return mem_load_slow(c, ea, 1, val);
}
static inline int st32(struct ppc *c, uint32_t ea, uint32_t val)
{
	struct softe *e = soft_probe(c, ACC_W, ea, 4);
	if (likely(e != NULL)) { put_be32((uint8_t *)(e->addend + ea), val); return 0; }
	return mem_store_slow(c, ea, 4, val);
}
static inline int st16(struct ppc *c, uint32_t ea, uint32_t val)
{
	struct softe *e = soft_probe(c, ACC_W, ea, 2);
	if (likely(e != NULL)) { put_be16((uint8_t *)(e->addend + ea), val); return 0; }
	return mem_store_slow(c, ea, 2, val);
}
static inline int st8(struct ppc *c, uint32_t ea, uint32_t val)
{
	struct softe *e = soft_probe(c, ACC_W, ea, 1);
	if (likely(e != NULL)) { *(uint8_t *)(e->addend + ea) = val; return 0; }
	return mem_store_slow(c, ea, 1, val);
}

/* The MSR as the guest last set it (the magic page's, while mapped). */
static inline uint32_t pv_msr(struct ppc *c)
{
	return unlikely(c->magic != NULL) ? be32(c->magic + MAGIC_MSR + 4) : c->msr;
}

/* ---- code.c: decoded pages ---- */
struct code_page *code_get(struct ppc *c, uint64_t gpa, uint8_t *host);
void code_invalidate(struct ppc *c, uint64_t gpa, uint64_t len);
void code_drop_all(struct ppc *c);
void code_sync_all(struct ppc *c);	/* iccci */
struct code_page *code_find(struct ppc *c, uint64_t gpa);
/*
 * Run the chain from slot o of cur_cp (c->vbase set): at most n
 * instructions, and branches within the page go on there while fewer than
 * about `soft` have run.  Returns how the chain ended; *ran = instructions
 * retired (a jump or an interrupt retires the instruction it ended at).
 */
int code_run(struct ppc *c, struct op *o, uint64_t n, uint64_t soft, uint64_t *ran);

/* ---- exec_fp.c ---- */
void ppc_fp_set_round(struct ppc *c);	/* host rounding mode from FPSCR[RN] */

/* ---- decode.c ---- */
void ppc_decode(struct op *o, uint32_t insn);
int op_decode(struct ppc *c, struct op *o);	/* the handler of a not-yet-decoded slot */
int op_illegal(struct ppc *c, struct op *o);
/* The run stops with an emulation failure at c->pc. */
int ppc_internal_error(struct ppc *c, const char *why);

/*
 * ---- handlers, by group (exec_*.c) declare themselves through this ----
 *
 * A handler's body returns 0 to go on with the next instruction; the
 * wrapper OP generates then jumps (a tail call) to the next slot's handler,
 * so the instructions run as one chain of jumps, ended by a non-zero result
 * (a branch that cannot go on, an interrupt, an exit, or a stop slot).  The
 * wrapper sets c->pc before the body runs and records in c->last where the
 * chain ended, from which code_run counts.
 */
#define OP_DECL(name) int op_##name(struct ppc *c, struct op *o)

/* What a handler written out (OP_DECL) ends with: go on with the next slot, or end the chain at o. */
static inline int op_next(struct ppc *c, struct op *o)
{
	return o[1].fn(c, o + 1);
}

static inline int op_end(struct ppc *c, struct op *o, int r)
{
	c->last = o;
	return r;
}

#define OP_WRAP(name, setpc) \
	static inline __attribute__((always_inline)) int name##_body(struct ppc *c, struct op *o); \
	OP_DECL(name) \
	{ \
		int r; \
		if (setpc) \
			c->pc = c->vbase + o->off; \
		r = name##_body(c, o); \
		if (likely(!r)) \
			return op_next(c, o); \
		return op_end(c, o, r); \
	} \
	static inline __attribute__((always_inline)) int name##_body(struct ppc *c, struct op *o)
#define OP(name) OP_WRAP(name, 1)
/*
 * A handler that never reads c->pc, never fails and never takes an
 * interrupt may leave c->pc behind: whatever ends the chain sets it, and
 * the next handler that needs it sets it first.  One that may fault only
 * in a slow path sets it there (pc_here).
 */
#define OP_PURE(name) OP_WRAP(name, 0)
static inline void pc_here(struct ppc *c, struct op *o)
{
	c->pc = c->vbase + o->off;
}

/* ---- spr.c, dcr ---- */
int spr_read(struct ppc *c, unsigned spr, uint32_t *val);	/* 0, or R_JUMP (interrupt) */
int spr_write(struct ppc *c, unsigned spr, uint32_t val);
int dcr_read(struct ppc *c, unsigned dcrn, uint32_t *val);
int dcr_write(struct ppc *c, unsigned dcrn, uint32_t val);

/* ---- uic.c ---- */
int uic_init(struct vm *vm);
void uic_stop(struct vm *vm);
void uic_reset(struct ppc_uic *u);
void uic_set_irq(struct vm *vm, unsigned line, int level);
uint32_t uic_dcr_read(struct ppc_uic *u, unsigned reg);
void uic_dcr_write(struct vm *vm, unsigned reg, uint32_t val);
static inline int uic_out(struct vm *vm)
{
	return __atomic_load_n(&PPCVM(vm)->uic.out, __ATOMIC_ACQUIRE);
}

/* ---- platform: ppc440.c, elf.c, fdt.c, regs.c, files.c, run.c ---- */
enum run_result ppc_run(struct vcpu *v, uint64_t budget);
int ppc_load(struct vm *vm, const uint8_t *img, size_t len, struct kvlist *args,
	     char *why, size_t whylen);
void ppc_boot_cpu(struct vm *vm);
int ppc_fdt_build(struct vm *vm, const char *cmdline, bool pv, void **out, size_t *len, char *why, size_t whylen);
extern const struct state_desc ppc_regs_file, ppc_sregs_file, ppc_events_file;
extern const struct vcpu_file ppc_tlb_file, ppc_mmu_file;
extern const struct vm_file ppc_dtb_file;

/* Something the run loop must look at changed: leave the chain at the next branch. */
static inline void ppc_resync(struct ppc *c)
{
	c->resync = 1;
	c->lim = 0;
	c->far_lim = 0;
}

/* The run ends after this instruction (vcpu->exit is filled). */
static inline void ppc_stop(struct ppc *c)
{
	c->stop = STOP_EXIT;
	c->lim = 0;
	c->far_lim = 0;
}

/* ---- cr helpers ---- */
/* LT, GT or EQ as a CR field (8, 4, 2), without SO. */
static inline uint32_t cr_order(int lt, int gt)
{
	return 2u << ((unsigned)lt << 1 | (unsigned)gt);
}

static inline void set_cr0(struct ppc *c, uint32_t r)
{
	c->crf[0] = cr_order((int32_t)r < 0, (int32_t)r > 0) | c->xer >> 31;
}

static inline void set_crf(struct ppc *c, unsigned crf, uint32_t f)
{
	c->crf[crf] = f & 0xf;
}

/* CR bit bi (0 = the most significant) */
static inline unsigned cr_bit(const struct ppc *c, unsigned bi)
{
	return (c->crf[bi >> 2] >> (3 - (bi & 3))) & 1;
}

static inline uint32_t cr_get(const struct ppc *c)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 4 | c->crf[i];
	return v;
}

static inline void cr_set(struct ppc *c, uint32_t v)
{
	for (int i = 0; i < 8; i++)
		c->crf[i] = (v >> (28 - 4 * i)) & 0xf;
}

#endif
