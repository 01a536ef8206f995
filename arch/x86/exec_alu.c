/*
 * Integer arithmetic: the eight ALU ops, test, inc/dec, neg/not, the
 * multiplies and divides, sign extensions, xadd, cmpxchg, bswap.
 * A memory destination is written before the flags are committed, so an
 * instruction that exits on its write has changed nothing.
 */
#include "exec.h"

enum { OP_ADD, OP_OR, OP_ADC, OP_SBB, OP_AND, OP_SUB, OP_XOR, OP_CMP };

static inline uint64_t alu(struct x86_cpu *c, struct lazyf *lf, unsigned op, unsigned size,
			   uint64_t a, uint64_t b)
{
	uint64_t m = size_mask(size), r;

	a &= m;
	b &= m;
	lf->size = size;
	lf->a = a;
	lf->b = b;
	switch (op) {
	case OP_ADD: r = a + b; lf->op = LF_ADD; break;
	case OP_OR: r = a | b; lf->op = LF_LOGIC; break;
	case OP_ADC: lf->aux = flags_cf(c); r = a + b + lf->aux; lf->op = LF_ADC; break;
	case OP_SBB: lf->aux = flags_cf(c); r = a - b - lf->aux; lf->op = LF_SBB; break;
	case OP_AND: r = a & b; lf->op = LF_LOGIC; break;
	case OP_XOR: r = a ^ b; lf->op = LF_LOGIC; break;
	default: r = a - b; lf->op = LF_SUB; break;
	}
	r &= m;
	lf->res = r;
	return r;
}

static inline void alu_to_rm(struct x86_cpu *c, const struct insn *i, uint64_t b)
{
	struct lazyf lf;
	uint64_t r;

	if (i->mod == 3) {
		r = alu(c, &lf, i->op, i->os, reg_get(c, i->rmoff, i->os), b);
		if (i->op != OP_CMP)
			reg_put(c, i->rmoff, i->os, r);
	} else {
		uint64_t ea = insn_ea(c, i);

		r = alu(c, &lf, i->op, i->os, seg_read(c, i->seg, ea, i->os), b);
		if (i->op != OP_CMP)
			seg_write(c, i->seg, ea, i->os, r);
	}
	c->lf = lf;
}

int h_alu_rm_r(struct x86_cpu *c, const struct insn *i)
{
	alu_to_rm(c, i, reg_get(c, i->roff, i->os));
	return 0;
}

int h_alu_rm_i(struct x86_cpu *c, const struct insn *i)
{
	alu_to_rm(c, i, i->imm);
	return 0;
}

int h_alu_r_rm(struct x86_cpu *c, const struct insn *i)
{
	struct lazyf lf;
	uint64_t r = alu(c, &lf, i->op, i->os, reg_get(c, i->roff, i->os), rm_get(c, i, i->os));

	if (i->op != OP_CMP)
		reg_put(c, i->roff, i->os, r);
	c->lf = lf;
	return 0;
}

/* The hot register-register form: dst at rmoff, src at roff, 32 bits. */
int h_alu_r32_r32(struct x86_cpu *c, const struct insn *i)
{
	uint8_t *g = (uint8_t *)c->s.gpr;
	uint32_t a, b, r, cf = i->op == OP_ADC || i->op == OP_SBB ? flags_cf(c) : 0;

	memcpy(&a, g + i->rmoff, 4);
	memcpy(&b, g + i->roff, 4);
	c->lf.size = 4;
	c->lf.aux = cf;
	c->lf.a = a;
	c->lf.b = b;
	switch (i->op) {
	case OP_ADD: r = a + b; c->lf.op = LF_ADD; break;
	case OP_OR: r = a | b; c->lf.op = LF_LOGIC; break;
	case OP_ADC: r = a + b + cf; c->lf.op = LF_ADC; break;
	case OP_SBB: r = a - b - cf; c->lf.op = LF_SBB; break;
	case OP_AND: r = a & b; c->lf.op = LF_LOGIC; break;
	case OP_XOR: r = a ^ b; c->lf.op = LF_LOGIC; break;
	default: r = a - b; c->lf.op = LF_SUB; break;
	}
	c->lf.res = r;
	if (i->op != OP_CMP)
		host_store(g + i->rmoff, 8, r);
	return 0;
}

/*
 * The hot forms, one handler per operation and size so that nothing is
 * decided at run time: register-register (dst at rmoff, src at roff) and
 * register-immediate.  32-bit writes clear the upper half.
 */
#define ALU_FAST(name, T, sz, b_expr, res_expr, lfop, store)		\
int name(struct x86_cpu *c, const struct insn *i)			\
{									\
	uint8_t *g = (uint8_t *)c->s.gpr;				\
	T a, b, r;							\
									\
	memcpy(&a, g + i->rmoff, sz);					\
	b = b_expr;							\
	r = res_expr;							\
	c->lf.op = lfop;						\
	c->lf.size = sz;						\
	c->lf.res = r;							\
	if (lfop != LF_LOGIC) {						\
		c->lf.a = a;						\
		c->lf.b = b;						\
	}								\
	if (store)							\
		host_store(g + i->rmoff, 8, r);				\
	return 0;							\
}
#define SRC_REG(T, sz) ({ T v_; memcpy(&v_, g + i->roff, sz); v_; })
#define ALU_FORMS(op, expr, lfop, store)						\
	ALU_FAST(h_##op##_r32_r32, uint32_t, 4, SRC_REG(uint32_t, 4), expr, lfop, store)	\
	ALU_FAST(h_##op##_r64_r64, uint64_t, 8, SRC_REG(uint64_t, 8), expr, lfop, store)	\
	ALU_FAST(h_##op##_r32_i, uint32_t, 4, (uint32_t)i->imm, expr, lfop, store)	\
	ALU_FAST(h_##op##_r64_i, uint64_t, 8, i->imm, expr, lfop, store)
ALU_FORMS(add, a + b, LF_ADD, 1)
ALU_FORMS(sub, a - b, LF_SUB, 1)
ALU_FORMS(cmp, a - b, LF_SUB, 0)
ALU_FORMS(and, a & b, LF_LOGIC, 1)
ALU_FORMS(or, a | b, LF_LOGIC, 1)
ALU_FORMS(xor, a ^ b, LF_LOGIC, 1)
ALU_FORMS(test, a & b, LF_LOGIC, 0)

int h_test_rm_r(struct x86_cpu *c, const struct insn *i)
{
	uint64_t r = rm_get(c, i, i->os) & reg_get(c, i->roff, i->os);

	lf_set(c, LF_LOGIC, i->os, r, 0, 0);
	return 0;
}

int h_test_rm_i(struct x86_cpu *c, const struct insn *i)
{
	uint64_t r = rm_get(c, i, i->os) & i->imm & size_mask(i->os);

	lf_set(c, LF_LOGIC, i->os, r, 0, 0);
	return 0;
}

static int incdec(struct x86_cpu *c, const struct insn *i, int d)
{
	uint64_t m = size_mask(i->os);
	uint64_t ea = 0, a, r;
	struct lazyf lf;

	if (i->mod == 3)
		a = reg_get(c, i->rmoff, i->os);
	else
		a = seg_read(c, i->seg, ea = insn_ea(c, i), i->os);
	r = (a + d) & m;
	lf.op = d > 0 ? LF_INC : LF_DEC;
	lf.size = i->os;
	lf.res = r;
	lf.a = a;
	lf.aux = flags_cf(c) ? FL_CF : 0;
	if (i->mod == 3)
		reg_put(c, i->rmoff, i->os, r);
	else
		seg_write(c, i->seg, ea, i->os, r);
	c->lf = lf;
	return 0;
}

/* inc/dec of a 32- or 64-bit register. */
#define INCDEC_FAST(name, T, sz, d, lfop)				\
int name(struct x86_cpu *c, const struct insn *i)			\
{									\
	uint8_t *g = (uint8_t *)c->s.gpr;				\
	uint32_t cf = flags_cf(c) ? FL_CF : 0;				\
	T a, r;								\
									\
	memcpy(&a, g + i->rmoff, sz);					\
	r = a + d;							\
	c->lf.op = lfop;						\
	c->lf.size = sz;						\
	c->lf.res = r;							\
	c->lf.a = a;							\
	c->lf.aux = cf;							\
	host_store(g + i->rmoff, 8, r);					\
	return 0;							\
}
INCDEC_FAST(h_inc_r32, uint32_t, 4, 1, LF_INC)
INCDEC_FAST(h_dec_r32, uint32_t, 4, -1, LF_DEC)
INCDEC_FAST(h_inc_r64, uint64_t, 8, 1, LF_INC)
INCDEC_FAST(h_dec_r64, uint64_t, 8, -1, LF_DEC)

int h_inc(struct x86_cpu *c, const struct insn *i)
{
	return incdec(c, i, 1);
}

int h_dec(struct x86_cpu *c, const struct insn *i)
{
	return incdec(c, i, -1);
}

int h_not(struct x86_cpu *c, const struct insn *i)
{
	rm_put(c, i, i->os, ~rm_get(c, i, i->os));
	return 0;
}

int h_neg(struct x86_cpu *c, const struct insn *i)
{
	uint64_t m = size_mask(i->os), a, r, ea = 0;

	if (i->mod == 3)
		a = reg_get(c, i->rmoff, i->os);
	else
		a = seg_read(c, i->seg, ea = insn_ea(c, i), i->os);
	r = (0 - a) & m;
	if (i->mod == 3)
		reg_put(c, i->rmoff, i->os, r);
	else
		seg_write(c, i->seg, ea, i->os, r);
	lf_set(c, LF_SUB, i->os, r, 0, a & m);
	return 0;
}

/* Flags of the multiplies: CF = OF = the high half is significant. */
static void mul_flags(struct x86_cpu *c, unsigned size, uint64_t lo, int overflow)
{
	lf_set(c, LF_AUX, size, lo, 0, 0);
	c->lf.aux = overflow ? FL_CF | FL_OF : 0;
}

static uint64_t sx(uint64_t v, unsigned size)
{
	unsigned sh = 64 - size * 8;

	return (uint64_t)((int64_t)(v << sh) >> sh);
}

int h_mul(struct x86_cpu *c, const struct insn *i)
{
	uint64_t s = rm_get(c, i, i->os), a = c->s.gpr[RAX] & size_mask(i->os), p = a * s;

	switch (i->os) {
	case 1:
		reg_put(c, RAX * 8, 2, p);
		mul_flags(c, 1, p & 0xff, (p >> 8) != 0);
		break;
	case 2:
		reg_put(c, RAX * 8, 2, p);
		reg_put(c, RDX * 8, 2, p >> 16);
		mul_flags(c, 2, p & 0xffff, (p >> 16) != 0);
		break;
	case 4:
		reg_put(c, RAX * 8, 4, p);
		reg_put(c, RDX * 8, 4, p >> 32);
		mul_flags(c, 4, (uint32_t)p, (p >> 32) != 0);
		break;
	default: {
		unsigned __int128 q = (unsigned __int128)a * s;

		c->s.gpr[RAX] = (uint64_t)q;
		c->s.gpr[RDX] = (uint64_t)(q >> 64);
		mul_flags(c, 8, (uint64_t)q, (q >> 64) != 0);
		break;
	}
	}
	return 0;
}

int h_imul1(struct x86_cpu *c, const struct insn *i)
{
	int64_t s = sx(rm_get(c, i, i->os), i->os), a = sx(c->s.gpr[RAX], i->os);
	/* exact below 8 bytes; the 8-byte product is taken in 128 bits below */
	int64_t p = (int64_t)((uint64_t)a * (uint64_t)s);

	switch (i->os) {
	case 1:
		reg_put(c, RAX * 8, 2, p);
		mul_flags(c, 1, p & 0xff, p != (int8_t)p);
		break;
	case 2:
		reg_put(c, RAX * 8, 2, p);
		reg_put(c, RDX * 8, 2, p >> 16);
		mul_flags(c, 2, p & 0xffff, p != (int16_t)p);
		break;
	case 4:
		reg_put(c, RAX * 8, 4, p);
		reg_put(c, RDX * 8, 4, (uint64_t)p >> 32);
		mul_flags(c, 4, (uint32_t)p, p != (int32_t)p);
		break;
	default: {
		__int128 q = (__int128)a * s;

		c->s.gpr[RAX] = (uint64_t)q;
		c->s.gpr[RDX] = (uint64_t)((unsigned __int128)q >> 64);
		mul_flags(c, 8, (uint64_t)q, q != (int64_t)q);
		break;
	}
	}
	return 0;
}

static int imul2(struct x86_cpu *c, const struct insn *i, uint64_t b)
{
	__int128 p = (__int128)(int64_t)sx(rm_get(c, i, i->os), i->os) * (int64_t)sx(b, i->os);
	int64_t lo = (int64_t)p;

	reg_put(c, i->roff, i->os, lo);
	mul_flags(c, i->os, lo & size_mask(i->os), p != (int64_t)sx(lo, i->os));
	return 0;
}

/* imul reg, reg, imm at 32 and 64 bits: dst reg, src rm. */
#define IMUL_FAST(name, T, ST, sz)						\
int name(struct x86_cpu *c, const struct insn *i)				\
{										\
	ST p;									\
	int of = __builtin_mul_overflow((ST)c->s.gpr[i->rm], (ST)i->imm, &p);	\
										\
	c->s.gpr[i->reg] = (T)p;						\
	c->lf.op = LF_AUX;							\
	c->lf.size = sz;							\
	c->lf.res = (T)p;							\
	c->lf.aux = of ? FL_CF | FL_OF : 0;					\
	return 0;								\
}
IMUL_FAST(h_imul_r32_r32_i, uint32_t, int32_t, 4)
IMUL_FAST(h_imul_r64_r64_i, uint64_t, int64_t, 8)

int h_imul_r_rm(struct x86_cpu *c, const struct insn *i)
{
	return imul2(c, i, reg_get(c, i->roff, i->os));
}

int h_imul_r_rm_i(struct x86_cpu *c, const struct insn *i)
{
	return imul2(c, i, i->imm);
}

static int div64(struct x86_cpu *c, uint64_t d)
{
	unsigned __int128 n = ((unsigned __int128)c->s.gpr[RDX] << 64) | c->s.gpr[RAX], q;

	if (!d)
		x86_fault(c, EXC_DE, 0, 0);
	q = n / d;
	if (q >> 64)
		x86_fault(c, EXC_DE, 0, 0);
	c->s.gpr[RDX] = (uint64_t)(n % d);
	c->s.gpr[RAX] = (uint64_t)q;
	return 0;
}

static int idiv64(struct x86_cpu *c, int64_t d)
{
	__int128 n = (__int128)(((unsigned __int128)c->s.gpr[RDX] << 64) | c->s.gpr[RAX]), q;

	if (!d)
		x86_fault(c, EXC_DE, 0, 0);
	if (d == -1 && n == (__int128)((unsigned __int128)1 << 127))
		x86_fault(c, EXC_DE, 0, 0);
	q = n / d;
	if (q != (int64_t)q)
		x86_fault(c, EXC_DE, 0, 0);
	c->s.gpr[RDX] = (uint64_t)(int64_t)(n % d);
	c->s.gpr[RAX] = (uint64_t)(int64_t)q;
	return 0;
}

int h_div(struct x86_cpu *c, const struct insn *i)
{
	uint64_t d = rm_get(c, i, i->os), n, q, r;
	unsigned bits = i->os * 8;

	if (i->os == 8)
		return div64(c, d);
	if (!d)
		x86_fault(c, EXC_DE, 0, 0);
	if (i->os == 1)
		n = c->s.gpr[RAX] & 0xffff;
	else
		n = ((c->s.gpr[RDX] & size_mask(i->os)) << bits) | (c->s.gpr[RAX] & size_mask(i->os));
	q = n / d;
	r = n % d;
	if (q > size_mask(i->os))
		x86_fault(c, EXC_DE, 0, 0);
	if (i->os == 1) {
		reg_put(c, RAX * 8, 2, (r << 8) | q);
	} else {
		reg_put(c, RAX * 8, i->os, q);
		reg_put(c, RDX * 8, i->os, r);
	}
	return 0;
}

int h_idiv(struct x86_cpu *c, const struct insn *i)
{
	int64_t d = sx(rm_get(c, i, i->os), i->os), n, q, r;
	unsigned bits = i->os * 8;
	int64_t lo, hi;

	if (i->os == 8)
		return idiv64(c, d);
	lo = -(1ll << (bits - 1));
	hi = (1ll << (bits - 1)) - 1;
	if (!d)
		x86_fault(c, EXC_DE, 0, 0);
	if (i->os == 1)
		n = (int16_t)c->s.gpr[RAX];
	else
		n = (int64_t)sx(((c->s.gpr[RDX] & size_mask(i->os)) << bits) |
				(c->s.gpr[RAX] & size_mask(i->os)), i->os * 2);
	if (n == INT64_MIN && d == -1)
		x86_fault(c, EXC_DE, 0, 0);
	q = n / d;
	r = n % d;
	if (q < lo || q > hi)
		x86_fault(c, EXC_DE, 0, 0);
	if (i->os == 1) {
		reg_put(c, RAX * 8, 2, ((uint64_t)(r & 0xff) << 8) | (q & 0xff));
	} else {
		reg_put(c, RAX * 8, i->os, q);
		reg_put(c, RDX * 8, i->os, r);
	}
	return 0;
}

int h_cbw(struct x86_cpu *c, const struct insn *i)
{
	reg_put(c, RAX * 8, i->os, sx(c->s.gpr[RAX], i->os / 2));
	return 0;
}

int h_cwd(struct x86_cpu *c, const struct insn *i)
{
	int neg = (c->s.gpr[RAX] >> (i->os * 8 - 1)) & 1;

	reg_put(c, RDX * 8, i->os, neg ? ~0ull : 0);
	return 0;
}

int h_xadd(struct x86_cpu *c, const struct insn *i)
{
	struct lazyf lf;
	uint64_t src = reg_get(c, i->roff, i->os), dst = rm_get(c, i, i->os);
	uint64_t r = alu(c, &lf, OP_ADD, i->os, dst, src);

	rm_put(c, i, i->os, r);
	reg_put(c, i->roff, i->os, dst);
	c->lf = lf;
	return 0;
}

int h_cmpxchg(struct x86_cpu *c, const struct insn *i)
{
	struct lazyf lf;
	uint64_t acc = c->s.gpr[RAX] & size_mask(i->os), dst = rm_get(c, i, i->os);

	alu(c, &lf, OP_CMP, i->os, acc, dst);
	if (acc == dst)
		rm_put(c, i, i->os, reg_get(c, i->roff, i->os));
	else
		reg_put(c, RAX * 8, i->os, dst);
	c->lf = lf;
	return 0;
}

int h_bswap(struct x86_cpu *c, const struct insn *i)
{
	uint64_t v = reg_get(c, i->roff, i->os);

	/* the 16-bit form is undefined; CPUs produce zero */
	reg_put(c, i->roff, i->os, i->os == 8 ? __builtin_bswap64(v) : i->os == 4 ? __builtin_bswap32(v) : 0);
	return 0;
}

/* cmpxchg8b m64 / cmpxchg16b m128 (REX.W): edx:eax against memory, ecx:ebx
 * stored on a match; ZF says which.  The 16-byte form needs alignment. */
int h_cmpxchg8b(struct x86_cpu *c, const struct insn *i)
{
	unsigned h = i->os == 8 ? 8 : 4;
	uint64_t ea = insn_ea(c, i), m = size_mask(h);
	uint64_t lo = seg_read(c, i->seg, ea, h), hi = seg_read(c, i->seg, (ea + h) & size_mask(i->as), h);
	uint32_t f = flags_get(c) & ~FL_ZF;

	if (h == 8 && (seg_lin(c, i->seg, ea) & 15))
		x86_fault(c, EXC_GP, 1, 0);
	if (lo == (c->s.gpr[RAX] & m) && hi == (c->s.gpr[RDX] & m)) {
		seg_write(c, i->seg, ea, h, c->s.gpr[RBX]);
		seg_write(c, i->seg, (ea + h) & size_mask(i->as), h, c->s.gpr[RCX]);
		f |= FL_ZF;
	} else {
		/* the CPU always writes: the old value back */
		seg_write(c, i->seg, ea, h, lo);
		reg_put(c, RAX * 8, h, lo);
		reg_put(c, RDX * 8, h, hi);
	}
	flags_set_arith(c, f);
	return 0;
}
