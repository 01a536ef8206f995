/*
 * Branches.  rt = BO, ra = BI, imm = displacement, aux bit 0 = LK,
 * bit 1 = AA.  A taken branch whose target is in the page being run goes
 * on there directly while the run allows it (jump); otherwise it sets
 * c->pc and ends the chain with R_JUMP.  Not taken, the chain goes on with
 * the next slot.  These handlers are written out rather than through OP:
 * they end the chain themselves.
 */
#include "insn.h"

#define LK 1u
#define AA 2u

static inline uint32_t here(struct ppc *c, struct op *o)
{
	return c->vbase + o->off;
}

/* Go on at slot t (pc target) in the page if the run allows; see struct ppc's cnt. */
static inline int jump_to(struct ppc *c, struct op *o, struct op *t, uint32_t target)
{
	uint64_t x = c->cnt + (uintptr_t)o;

	if (likely(x < c->lim)) {
		c->cnt = x + sizeof(struct op) - (uintptr_t)t;
		return t->fn(c, t);
	}
	c->pc = target;
	return op_end(c, o, R_JUMP);
}

static __attribute__((noinline)) int jump_far(struct ppc *c, struct op *o, uint32_t target)
{
	return chain_far(c, o, target, c->cnt + (uintptr_t)o + sizeof(struct op), R_JUMP);
}

/* To a computed target. */
static inline int jump(struct ppc *c, struct op *o, uint32_t target)
{
	uint32_t in = target - c->vbase;

	if (likely(in < 4096))
		return jump_to(c, o, o + ((int32_t)(in - o->off) >> 2), target);
	return jump_far(c, o, target);
}

/* A relative branch, its target slot found by the decoder. */
static inline int jump_rel(struct ppc *c, struct op *o)
{
	uint32_t target = c->vbase + o->off + o->imm;

	if (likely(o->link != NO_LINK))
		return jump_to(c, o, (struct op *)((char *)o + o->link), target);
	return jump_far(c, o, target);
}

static inline int cond_ok(struct ppc *c, unsigned bo, unsigned bi)
{
	int ctr_ok = 1, cr_ok = 1;

	if (!(bo & 4)) {
		c->ctr--;
		ctr_ok = (c->ctr != 0) ^ ((bo >> 1) & 1);
	}
	if (!(bo & 0x10))
		cr_ok = cr_bit(c, bi) == ((bo >> 3) & 1);
	return ctr_ok && cr_ok;
}

OP_DECL(b)
{
	uint32_t pc = here(c, o);

	if (o->aux & LK)
		c->lr = pc + 4;
	return jump(c, o, (o->aux & AA ? 0 : pc) + o->imm);
}

OP_DECL(bc)
{
	uint32_t pc = here(c, o);
	int ok = cond_ok(c, o->rt, o->ra);

	if (o->aux & LK)
		c->lr = pc + 4;
	if (!ok)
		return op_next(c, o);
	return jump(c, o, (o->aux & AA ? 0 : pc) + o->imm);
}

/* The common forms, without AA (decode.c picks them): relative b and bl. */
OP_DECL(b_rel)
{
	return jump_rel(c, o);
}

OP_DECL(bl_rel)
{
	c->lr = here(c, o) + 4;
	return jump_rel(c, o);
}

/* bdnz and bdz: decrement CTR, no CR bit, no link. */
OP_DECL(bdnz)
{
	if (!--c->ctr)
		return op_next(c, o);
	return jump_rel(c, o);
}

OP_DECL(bdz)
{
	if (--c->ctr)
		return op_next(c, o);
	return jump_rel(c, o);
}

/* The common case: test one CR bit, no CTR, no link; rb = its field, rc = its mask, rt = the mask if it must be set. */
OP_DECL(bc_cr)
{
	if ((c->crf[o->rb] & o->rc) != o->rt)
		return op_next(c, o);
	return jump_rel(c, o);
}

OP_DECL(bclr)
{
	uint32_t t = c->lr & ~3u;
	int ok = cond_ok(c, o->rt, o->ra);

	if (o->aux & LK)
		c->lr = here(c, o) + 4;
	if (!ok)
		return op_next(c, o);
	return jump(c, o, t);
}

OP_DECL(bcctr)
{
	uint32_t t = c->ctr & ~3u;
	unsigned bo = o->rt | 4;	/* decrementing CTR here is an invalid form: don't */
	int ok = cond_ok(c, bo, o->ra);

	if (o->aux & LK)
		c->lr = here(c, o) + 4;
	if (!ok)
		return op_next(c, o);
	return jump(c, o, t);
}

/* blr and bctr, bctrl: unconditional. */
OP_DECL(blr)
{
	return jump(c, o, c->lr & ~3u);
}

OP_DECL(bctr)
{
	return jump(c, o, c->ctr & ~3u);
}

OP_DECL(bctrl)
{
	uint32_t t = c->ctr & ~3u;

	c->lr = here(c, o) + 4;
	return jump(c, o, t);
}
