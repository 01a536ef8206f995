/*
 * The system instructions: MSR, SPR and DCR moves, return from interrupt,
 * sc, traps, TLB management and the privileged cache instructions.  The
 * privileged ones are the "trap path" (counted in `traps`): decoded and
 * emulated here, as KVM emulates them after a real trap.
 */
#include "insn.h"

#define RT c->gpr[o->rt]
#define RA c->gpr[o->ra]
#define RB c->gpr[o->rb]
#define RA0 (o->ra ? c->gpr[o->ra] : 0)

/* A privileged instruction: counted by kind; it sees the magic page's values. */
#define PRIV(kind) do { \
	if (unlikely(c->msr & MSR_PR)) \
		return ppc_program(c, ESR_PPR); \
	PSTAT(c, TRAPS); \
	PSTAT(c, TRAP_##kind); \
	pv_pull(c); \
} while (0)

/* Retire a context-changing instruction: leave the decoded page, recheck interrupts. */
static inline int next_resync(struct ppc *c)
{
	c->pc += 4;
	ppc_resync(c);
	return R_JUMP;
}

static inline int msr_write(struct ppc *c, uint32_t msr)
{
	ppc_set_msr(c, msr);
	pv_push(c);
	return next_resync(c);
}

OP(mfmsr) { PRIV(MFMSR); c->gpr[o->rt] = c->msr; return 0; }
OP(mtmsr) { PRIV(MTMSR); return msr_write(c, RT); }
OP(wrtee) { PRIV(WRTEE); return msr_write(c, (c->msr & ~MSR_EE) | (RT & MSR_EE)); }
OP(wrteei) { PRIV(WRTEEI); return msr_write(c, (c->msr & ~MSR_EE) | (o->insn & 0x8000 ? MSR_EE : 0)); }

static inline int rfx(struct ppc *c, uint32_t pc, uint32_t msr)
{
	ppc_set_msr(c, msr);
	pv_push(c);
	c->pc = pc & ~3u;
	ppc_resync(c);
	return R_JUMP;
}
OP(rfi) { PRIV(RFI); (void)o; return rfx(c, c->srr0, c->srr1); }
OP(rfci) { PRIV(RFI); (void)o; return rfx(c, c->csrr0, c->csrr1); }
OP(rfmci) { PRIV(RFI); (void)o; return rfx(c, c->mcsrr0, c->mcsrr1); }

/* A hypercall or an OSI call when the paravirtual interface claims it, else the interrupt. */
OP(sc)
{
	int r = pv_sc(c);

	(void)o;
	return r ? r : ppc_raise(c, IV_SYSCALL, c->pc + 4);
}

static inline int trap_if(struct ppc *c, unsigned to, uint32_t a, uint32_t b)
{
	if (((to & 0x10) && (int32_t)a < (int32_t)b) || ((to & 0x08) && (int32_t)a > (int32_t)b) ||
	    ((to & 0x04) && a == b) || ((to & 0x02) && a < b) || ((to & 0x01) && a > b))
		return ppc_debug_trap(c) ?: ppc_program(c, ESR_PTR);
	return 0;
}
OP(tw) { return trap_if(c, o->rt, RA, RB); }
OP(twi) { return trap_if(c, o->rt, RA, (uint32_t)o->imm); }

static inline unsigned split_field(uint32_t insn)
{
	return ((insn >> 16) & 0x1f) | ((insn >> 6) & 0x3e0);
}

OP(mfspr)
{
	unsigned spr = o->aux;
	uint32_t v;
	int r;

	if (spr & 0x10)
		PRIV(MFSPR);
	else if (spr >= 259 && spr <= 263)
		pv_pull(c);	/* SPRG3-7 are readable in user mode */
	if ((r = spr_read(c, spr, &v)))
		return r;
	c->gpr[o->rt] = v;
	return 0;
}

OP(mtspr)
{
	unsigned spr = o->aux;
	int r;

	if (spr & 0x10)
		PRIV(MTSPR);
	if ((r = spr_write(c, spr, RT)))
		return r;
	if (spr & 0x10) {
		pv_push(c);
		return next_resync(c);
	}	/* PID, TCR, TSR, DEC ... can change what happens next */
	return 0;
}

/* The fast user SPRs skip the table. */
OP_PURE(mflr) { c->gpr[o->rt] = c->lr; return 0; }
OP_PURE(mtlr) { c->lr = RT; return 0; }
OP_PURE(mfctr) { c->gpr[o->rt] = c->ctr; return 0; }
OP_PURE(mtctr) { c->ctr = RT; return 0; }

OP(mftb)
{
	uint64_t tb = ppc_tb(c);

	if (o->aux == 268)
		c->gpr[o->rt] = tb;
	else if (o->aux == 269)
		c->gpr[o->rt] = tb >> 32;
	else
		return ppc_program(c, ESR_PIL);
	return 0;
}

OP(mfdcr)
{
	uint32_t v;
	int r;

	PRIV(DCR);
	if ((r = dcr_read(c, o->aux ? split_field(o->insn) : RA, &v)))
		return r;
	c->gpr[o->rt] = v;
	return 0;
}

OP(mtdcr)
{
	int r;

	PRIV(DCR);
	if ((r = dcr_write(c, o->aux ? split_field(o->insn) : RA, RT)))
		return r;
	return next_resync(c);
}

OP(tlbwe)
{
	PRIV(TLB);
	if (o->rb > 2)
		return ppc_program(c, ESR_PIL);
	tlb_write(c, RA & 63, o->rb, RT);
	return next_resync(c);
}

OP(tlbre)
{
	PRIV(TLB);
	if (o->rb > 2)
		return ppc_program(c, ESR_PIL);
	c->gpr[o->rt] = tlb_read(c, RA & 63, o->rb);
	return 0;
}

OP(tlbsx)
{
	uint32_t ea = RA0 + RB;
	int i;

	PRIV(TLB);
	i = tlb_search(c, ea, !!(c->mmucr & MMUCR_STS), c->mmucr & MMUCR_STID);
	if (i >= 0)
		c->gpr[o->rt] = i;
	if (o->rc)
		set_crf(c, 0, (i >= 0 ? 2 : 0) | (c->xer >> 31));
	return 0;
}

OP(tlbivax)
{
	PRIV(TLB);
	tlb_invalidate_ea(c, RA0 + RB);
	return next_resync(c);
}

OP(tlbsync) { PRIV(TLB); (void)o; return 0; }

/* dcbi: like dcbf for an interpreter, but privileged. */
OP(dcbi)
{
	uint64_t gpa;
	int r;

	PRIV(CACHE);
	if (!mem_ram(c, RA0 + RB, 0, ACC_R, &r, &gpa))
		return r;
	return 0;
}

OP(dccci) { PRIV(CACHE); (void)o; return 0; }

/* iccci: decoded code is made to match memory (code_sync_all); pages are reset in place. */
OP(iccci)
{
	PRIV(CACHE);
	(void)o;
	code_sync_all(c);
	return next_resync(c);
}

/* dcread/icread: cache debug reads; the interpreter has no cache lines to show. */
OP(cacheread) { PRIV(CACHE); c->gpr[o->rt] = 0; return 0; }
