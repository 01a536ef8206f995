/*
 * Shifts and rotates (group 2), shld/shrd.  A zero count changes nothing,
 * flags included.  Rotates touch only CF and OF.
 */
#include "exec.h"

enum { ROL, ROR, RCL, RCR, SHL, SHR, SAL, SAR };

static unsigned count_of(struct x86_cpu *c, const struct insn *i)
{
	return (i->imm == 0xff ? c->s.gpr[RCX] : i->imm) & (i->os == 8 ? 0x3f : 0x1f);
}

int h_shift(struct x86_cpu *c, const struct insn *i)
{
	unsigned n = count_of(c, i), w = i->os * 8, k;
	uint64_t m = size_mask(i->os), sb = 1ull << (w - 1), a, r = 0, ea = 0;
	uint32_t cf = 0, of = 0, old;
	int rotate = i->op < SHL;

	if (!n) {
		rm_get(c, i, i->os);	/* the operand is still accessed */
		return 0;
	}
	if (i->mod == 3)
		a = reg_get(c, i->rmoff, i->os);
	else
		a = seg_read(c, i->seg, ea = insn_ea(c, i), i->os);
	old = flags_get(c);
	switch (i->op) {
	case ROL:
		k = n % w;
		r = k ? ((a << k) | (a >> (w - k))) & m : a;
		cf = r & 1;
		of = !!(r & sb) ^ cf;
		break;
	case ROR:
		k = n % w;
		r = k ? ((a >> k) | (a << (w - k))) & m : a;
		cf = !!(r & sb);
		of = cf ^ !!(r & (sb >> 1));
		break;
	case RCL:
	case RCR:
		k = n % (w + 1);
		r = a;
		cf = old & FL_CF;
		if (i->op == RCR)
			of = !!(a & sb) ^ cf;
		for (unsigned s = 0; s < k; s++) {
			uint32_t out;

			if (i->op == RCL) {
				out = !!(r & sb);
				r = ((r << 1) | cf) & m;
			} else {
				out = r & 1;
				r = (r >> 1) | (cf ? sb : 0);
			}
			cf = out;
		}
		if (i->op == RCL)
			of = !!(r & sb) ^ cf;
		break;
	case SHL:
	case SAL:
		r = n < w ? (a << n) & m : 0;
		cf = n <= w ? (a >> (w - n)) & 1 : 0;
		of = !!(r & sb) ^ cf;
		break;
	case SHR:
		r = n < w ? a >> n : 0;
		cf = n <= w ? (a >> (n - 1)) & 1 : 0;
		of = !!(a & sb);
		break;
	case SAR: {
		int64_t sa = (int64_t)(a << (64 - w)) >> (64 - w);

		r = (uint64_t)(sa >> (n < w ? n : w - 1)) & m;
		cf = (sa >> (n <= w ? n - 1 : w - 1)) & 1;
		of = 0;
		break;
	}
	}
	if (i->mod == 3)
		reg_put(c, i->rmoff, i->os, r);
	else
		seg_write(c, i->seg, ea, i->os, r);
	if (rotate) {
		flags_set_cfof(c, (cf ? FL_CF : 0) | (of ? FL_OF : 0));
	} else {
		lf_set(c, LF_AUX, i->os, r, a, n);
		c->lf.aux = (cf ? FL_CF : 0) | (of ? FL_OF : 0);
	}
	return 0;
}

static int double_shift(struct x86_cpu *c, const struct insn *i, int left)
{
	unsigned n = count_of(c, i), w = i->os * 8;
	uint64_t m = size_mask(i->os), sb = 1ull << (w - 1), a, b, r, ea = 0;
	unsigned __int128 cat;
	uint32_t cf, of;

	if (!n) {
		rm_get(c, i, i->os);
		return 0;
	}
	if (i->mod == 3)
		a = reg_get(c, i->rmoff, i->os);
	else
		a = seg_read(c, i->seg, ea = insn_ea(c, i), i->os);
	b = reg_get(c, i->roff, i->os);
	/* a:b:a covers both directions; counts above the width (16-bit forms
	 * only) are undefined, and this is what CPUs produce for them */
	cat = ((unsigned __int128)a << (2 * w)) | ((unsigned __int128)b << w) | a;
	if (w == 64) {		/* a:b does not fit three times; the count is below 64 */
		r = left ? (a << n) | (b >> (64 - n)) : (a >> n) | (b << (64 - n));
		cf = left ? (a >> (64 - n)) & 1 : (a >> (n - 1)) & 1;
	} else if (left) {
		r = (uint64_t)(cat >> (2 * w - n)) & m;
		cf = (uint64_t)(cat >> (3 * w - n)) & 1;
	} else {
		r = (uint64_t)(cat >> n) & m;
		cf = (uint64_t)(cat >> (n - 1)) & 1;
	}
	of = !!((r ^ a) & sb);
	if (i->mod == 3)
		reg_put(c, i->rmoff, i->os, r);
	else
		seg_write(c, i->seg, ea, i->os, r);
	lf_set(c, LF_AUX, i->os, r, a, n);
	c->lf.aux = (cf ? FL_CF : 0) | (of ? FL_OF : 0);
	return 0;
}

int h_shld(struct x86_cpu *c, const struct insn *i)
{
	return double_shift(c, i, 1);
}

int h_shrd(struct x86_cpu *c, const struct insn *i)
{
	return double_shift(c, i, 0);
}

/*
 * The hot forms: a 32- or 64-bit register shifted or rotated by a nonzero
 * immediate (the count is masked at decode; a zero count keeps h_shift).
 * Flags stay lazy; a rotate marks CF and OF as its own (flags_set_cfof).
 */
#define SHIFT_FAST(name, T, ST, sz, res_expr, cf_expr, of_expr, rotate)	\
int name(struct x86_cpu *c, const struct insn *i)			\
{									\
	uint8_t *g = (uint8_t *)c->s.gpr;				\
	const unsigned n = i->imm, w = sz * 8;				\
	T a, r;								\
	uint32_t cf, of;						\
									\
	(void)w;							\
	memcpy(&a, g + i->rmoff, sz);					\
	r = res_expr;							\
	cf = cf_expr;							\
	of = of_expr;							\
	host_store(g + i->rmoff, 8, r);					\
	if (rotate) {							\
		flags_set_cfof(c, (cf ? FL_CF : 0) | (of ? FL_OF : 0));	\
	} else {							\
		c->lf.op = LF_AUX;					\
		c->lf.size = sz;					\
		c->lf.res = r;						\
		c->lf.aux = (cf ? FL_CF : 0) | (of ? FL_OF : 0);	\
	}								\
	return 0;							\
}
#define MSB(v) ((v) >> (w - 1))
#define SHIFT_FORMS(bits, T, ST, sz)									\
	SHIFT_FAST(h_shl_r##bits##_i, T, ST, sz, a << n, (a >> (w - n)) & 1, MSB(r) ^ cf, 0)		\
	SHIFT_FAST(h_shr_r##bits##_i, T, ST, sz, a >> n, (a >> (n - 1)) & 1, MSB(a), 0)		\
	SHIFT_FAST(h_sar_r##bits##_i, T, ST, sz, (T)((ST)a >> n), ((ST)a >> (n - 1)) & 1, 0, 0)	\
	SHIFT_FAST(h_rol_r##bits##_i, T, ST, sz, (a << n) | (a >> (w - n)), r & 1, MSB(r) ^ cf, 1)	\
	SHIFT_FAST(h_ror_r##bits##_i, T, ST, sz, (a >> n) | (a << (w - n)), MSB(r), cf ^ ((r >> (w - 2)) & 1), 1)
SHIFT_FORMS(32, uint32_t, int32_t, 4)
SHIFT_FORMS(64, uint64_t, int64_t, 8)
