/*
 * Lazy arithmetic flags: ALU instructions record (op, size, result,
 * operands); CF PF AF ZF SF OF are computed only when something reads them.
 * res, a and b are kept masked to the operand size.
 */
#include "cpu.h"

/*
 * The six arithmetic flags of the recorded operation.  Values are shifted
 * to the top of 64 bits so that one comparison and one sign test serve
 * every operand size.
 */
static uint32_t arith(const struct lazyf *lf)
{
	unsigned sh = 64 - lf->size * 8;
	uint64_t r = lf->res << sh, a = lf->a << sh, b = lf->b << sh;
	uint32_t f = (r == 0 ? FL_ZF : 0) | (uint32_t)(r >> 63) * FL_SF |
		     (__builtin_parity(lf->res & 0xff) ? 0 : FL_PF);

	switch (lf->op) {
	case LF_ADD:
		f |= (r < a) * FL_CF;
		f |= (uint32_t)(((a ^ r) & (b ^ r)) >> 63) * FL_OF;
		f |= (lf->a ^ lf->b ^ lf->res) & FL_AF;
		break;
	case LF_ADC:
		f |= (lf->aux ? r <= a : r < a) * FL_CF;
		f |= (uint32_t)(((a ^ r) & (b ^ r)) >> 63) * FL_OF;
		f |= (lf->a ^ lf->b ^ lf->res) & FL_AF;
		break;
	case LF_SUB:
		f |= (a < b) * FL_CF;
		f |= (uint32_t)(((a ^ b) & (a ^ r)) >> 63) * FL_OF;
		f |= (lf->a ^ lf->b ^ lf->res) & FL_AF;
		break;
	case LF_SBB:
		f |= (lf->aux ? a <= b : a < b) * FL_CF;
		f |= (uint32_t)(((a ^ b) & (a ^ r)) >> 63) * FL_OF;
		f |= (lf->a ^ lf->b ^ lf->res) & FL_AF;
		break;
	case LF_INC:	/* a + 1; CF kept in aux */
		f |= lf->aux | (r == (1ull << 63)) * FL_OF | ((lf->a ^ lf->res ^ 1) & FL_AF);
		break;
	case LF_DEC:	/* a - 1 */
		f |= lf->aux | (a == (1ull << 63)) * FL_OF | ((lf->a ^ lf->res ^ 1) & FL_AF);
		break;
	case LF_AUX:
		f |= lf->aux & (FL_CF | FL_AF | FL_OF);
		break;
	}
	return f;
}

uint64_t flags_get(struct x86_cpu *c)
{
	uint32_t f;

	if (c->lf.op == LF_NONE)
		return c->s.rflags;
	if (c->lf.op & LF_CFOF) {
		struct lazyf base = c->lf;

		base.op &= ~LF_CFOF;
		if (base.op == LF_ADC || base.op == LF_SBB)
			base.aux = 0;	/* the carry in is gone; it only made CF */
		f = (arith(&base) & ~(FL_CF | FL_OF)) | (c->lf.aux & (FL_CF | FL_OF));
	} else {
		f = arith(&c->lf);
	}
	return (c->s.rflags & ~(uint64_t)FL_ARITH) | f;
}

void flags_set(struct x86_cpu *c, uint64_t f)
{
	c->s.rflags = (f & (FL_WRITABLE | FL_VM)) | 2;
	c->lf.op = LF_NONE;
}

void flags_set_arith(struct x86_cpu *c, uint32_t a)
{
	c->s.rflags = (flags_get(c) & ~(uint64_t)FL_ARITH) | (a & FL_ARITH);
	c->lf.op = LF_NONE;
}

int flags_cf_slow(struct x86_cpu *c)
{
	if (c->lf.op & LF_CFOF)
		return (c->lf.aux & FL_CF) != 0;
	return (arith(&c->lf) & FL_CF) != 0;
}

int flags_cond(struct x86_cpu *c, unsigned cc)
{
	const struct lazyf *lf = &c->lf;
	uint64_t f;
	int r;

	/* The common cases straight from the operands: cmp/sub then jcc,
	 * and ZF or SF of anything with a result. */
	if (lf->op == LF_SUB) {
		unsigned sh = 64 - lf->size * 8;
		uint64_t a = lf->a, b = lf->b;
		int64_t sa = (int64_t)(a << sh), sbv = (int64_t)(b << sh);

		switch (cc >> 1) {
		case 1: r = a < b; goto out;		/* b/c */
		case 2: r = a == b; goto out;		/* z */
		case 3: r = a <= b; goto out;		/* be */
		case 4: r = (int64_t)((a - b) << sh) < 0; goto out;	/* s */
		case 6: r = sa < sbv; goto out;		/* l */
		case 7: r = sa <= sbv; goto out;	/* le */
		}
	} else if (lf->op != LF_NONE) {
		switch (cc >> 1) {
		case 2: r = lf->res == 0; goto out;
		case 4: r = (lf->res >> (lf->size * 8 - 1)) & 1; goto out;
		}
		if (lf->op == LF_LOGIC) {	/* CF = OF = 0 */
			int64_t s = (int64_t)(lf->res << (64 - lf->size * 8));

			switch (cc >> 1) {
			case 0: case 1: r = 0; goto out;
			case 3: r = lf->res == 0; goto out;
			case 6: r = s < 0; goto out;
			case 7: r = s <= 0; goto out;
			}
		}
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
