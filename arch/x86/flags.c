/*
 * Lazy arithmetic flags: ALU instructions record (op, size, result,
 * operands); CF PF AF ZF SF OF are computed only when something reads them.
 */
#include "cpu.h"

static uint32_t szp(uint64_t res, uint64_t sb)
{
	uint32_t f = 0;

	if (!res)
		f |= FL_ZF;
	if (res & sb)
		f |= FL_SF;
	if (!__builtin_parity(res & 0xff))
		f |= FL_PF;
	return f;
}

/* The six arithmetic flags of the recorded operation. */
static uint32_t arith(const struct lazyf *lf)
{
	uint64_t m = size_mask(lf->size), sb = 1ull << (lf->size * 8 - 1);
	uint64_t r = lf->res & m, a = lf->a & m, b = lf->b & m, cin;
	uint32_t f = szp(r, sb);

	switch (lf->op) {
	case LF_ADD:
	case LF_ADC:
		cin = lf->op == LF_ADC ? (r - a - b) & m : 0;
		if (cin ? r <= a : r < a)
			f |= FL_CF;
		if ((a ^ r) & (b ^ r) & sb)
			f |= FL_OF;
		f |= (a ^ b ^ r) & FL_AF;
		break;
	case LF_SUB:
	case LF_SBB:
		cin = lf->op == LF_SBB ? (a - b - r) & m : 0;
		if (cin ? a <= b : a < b)
			f |= FL_CF;
		if ((a ^ b) & (a ^ r) & sb)
			f |= FL_OF;
		f |= (a ^ b ^ r) & FL_AF;
		break;
	case LF_LOGIC:
		break;
	case LF_AUX:
		f |= lf->aux & (FL_CF | FL_AF | FL_OF);
		break;
	}
	return f;
}

uint64_t flags_get(struct x86_cpu *c)
{
	if (c->lf.op == LF_NONE)
		return c->s.rflags;
	return (c->s.rflags & ~(uint64_t)FL_ARITH) | arith(&c->lf);
}

void flags_set(struct x86_cpu *c, uint64_t f)
{
	c->s.rflags = (f & FL_WRITABLE) | 2;
	c->lf.op = LF_NONE;
}

void flags_set_arith(struct x86_cpu *c, uint32_t a)
{
	c->s.rflags = (flags_get(c) & ~(uint64_t)FL_ARITH) | (a & FL_ARITH);
	c->lf.op = LF_NONE;
}

int flags_cf(struct x86_cpu *c)
{
	const struct lazyf *lf = &c->lf;
	uint64_t m = size_mask(lf->size);

	switch (lf->op) {
	case LF_NONE:
		return c->s.rflags & FL_CF;
	case LF_ADD:
		return (lf->res & m) < (lf->a & m);
	case LF_SUB:
		return (lf->a & m) < (lf->b & m);
	case LF_LOGIC:
		return 0;
	default:
		return (arith(lf) & FL_CF) != 0;
	}
}

int flags_cond(struct x86_cpu *c, unsigned cc)
{
	const struct lazyf *lf = &c->lf;
	uint64_t f;
	int r;

	/* The common case, cmp/sub then jcc, straight from the operands. */
	if (lf->op == LF_SUB) {
		uint64_t m = size_mask(lf->size), sh = 64 - lf->size * 8;
		uint64_t a = lf->a & m, b = lf->b & m;
		int64_t sa = (int64_t)(a << sh), sbv = (int64_t)(b << sh);

		switch (cc >> 1) {
		case 1: r = a < b; goto out;		/* b/c */
		case 2: r = a == b; goto out;		/* z */
		case 3: r = a <= b; goto out;		/* be */
		case 6: r = sa < sbv; goto out;		/* l */
		case 7: r = sa <= sbv; goto out;	/* le */
		}
	} else if (lf->op != LF_NONE && (cc >> 1) == 2) {
		r = (lf->res & size_mask(lf->size)) == 0;
		goto out;
	}
	f = flags_get(c);
	switch (cc >> 1) {
	case 0: r = !!(f & FL_OF); break;
	case 1: r = !!(f & FL_CF); break;
	case 2: r = !!(f & FL_ZF); break;
	case 3: r = !!(f & (FL_CF | FL_ZF)); break;
	case 4: r = !!(f & FL_SF); break;
	case 5: r = !!(f & FL_PF); break;
	case 6: r = !!(f & FL_SF) != !!(f & FL_OF); break;
	default: r = (f & FL_ZF) || !!(f & FL_SF) != !!(f & FL_OF); break;
	}
out:
	return r ^ (cc & 1);
}
