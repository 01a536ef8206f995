/*
 * Branches.  rt = BO, ra = BI, imm = displacement, aux bit 0 = LK,
 * bit 1 = AA.  A taken branch sets c->pc and returns R_JUMP; the run loop
 * stays in the decoded page when the target is in it.
 */
#include "insn.h"

#define LK 1u
#define AA 2u

static inline int cond_ok(struct ppc *c, unsigned bo, unsigned bi)
{
	int ctr_ok = 1, cr_ok = 1;

	if (!(bo & 4)) {
		c->ctr--;
		ctr_ok = (c->ctr != 0) ^ ((bo >> 1) & 1);
	}
	if (!(bo & 0x10))
		cr_ok = ((c->cr >> (31 - bi)) & 1) == ((bo >> 3) & 1);
	return ctr_ok && cr_ok;
}

OP(b)
{
	uint32_t t = (o->aux & AA ? 0 : c->pc) + o->imm;

	if (o->aux & LK)
		c->lr = c->pc + 4;
	c->pc = t;
	return R_JUMP;
}

OP(bc)
{
	uint32_t t = (o->aux & AA ? 0 : c->pc) + o->imm;
	int ok = cond_ok(c, o->rt, o->ra);

	if (o->aux & LK)
		c->lr = c->pc + 4;
	if (!ok)
		return 0;
	c->pc = t;
	return R_JUMP;
}

/* The common case: test one CR bit, no CTR, no link. */
OP(bc_cr)
{
	if (((c->cr >> (31 - o->ra)) & 1) != ((o->rt >> 3) & 1))
		return 0;
	c->pc += o->imm;
	return R_JUMP;
}

OP(bclr)
{
	uint32_t t = c->lr & ~3u;
	int ok = cond_ok(c, o->rt, o->ra);

	if (o->aux & LK)
		c->lr = c->pc + 4;
	if (!ok)
		return 0;
	c->pc = t;
	return R_JUMP;
}

OP(bcctr)
{
	uint32_t t = c->ctr & ~3u;
	unsigned bo = o->rt | 4;	/* decrementing CTR here is an invalid form: don't */
	int ok = cond_ok(c, bo, o->ra);

	if (o->aux & LK)
		c->lr = c->pc + 4;
	if (!ok)
		return 0;
	c->pc = t;
	return R_JUMP;
}
