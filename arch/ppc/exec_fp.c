/*
 * The classic FPU of the 440EP: FPRs hold IEEE doubles, arithmetic runs on
 * the host's FPU with FPSCR[RN] as its rounding mode, and the host's
 * exception flags become the FPSCR's sticky bits.  MSR[FP]=0 makes every
 * FP instruction take the FP-unavailable interrupt.
 */
#include <math.h>
#include <string.h>

#include "insn.h"

/*
 * The host FPU's exception flags and rounding mode, read and written
 * directly (MXCSR), so the interpreter needs no libm.
 */
#if defined(__x86_64__)
enum { HX_INVALID = 0x01, HX_DIVZERO = 0x04, HX_OVERFLOW = 0x08, HX_UNDERFLOW = 0x10, HX_INEXACT = 0x20 };
static inline void host_clear(void) { __builtin_ia32_ldmxcsr(__builtin_ia32_stmxcsr() & ~0x3fu); }
static inline unsigned host_flags(void) { return __builtin_ia32_stmxcsr() & 0x3f; }
static inline void host_round(unsigned rn)
{
	static const unsigned rc[4] = { 0, 3, 2, 1 };	/* nearest, zero, +inf, -inf */

	__builtin_ia32_ldmxcsr((__builtin_ia32_stmxcsr() & ~0x6000u) | rc[rn & 3] << 13);
}

static inline double host_sqrt(double x)
{
	__asm__("sqrtsd %1, %0" : "=x"(x) : "x"(x));
	return x;
}

/* In the current rounding mode, as fctiw wants. */
static inline int64_t host_rint(double x)
{
	int64_t r;

	__asm__("cvtsd2si %1, %0" : "=r"(r) : "x"(x));
	return r;
}

__attribute__((target("fma"))) static double fma_hw(double a, double b, double c)
{
	return __builtin_fma(a, b, c);
}
#else
#error "the ppc440 FPU needs a host FPU adapter (exception flags, rounding) for this host"
#endif

/* a * b + c with one rounding; hosts without FMA get the double-double approximation. */
static double host_fma(double a, double b, double c)
{
	static int hw = -1;
	double p, e, s, t, ah, al, bh, bl, sp = 134217729.0;	/* 2^27 + 1 */

	if (hw < 0)
		hw = __builtin_cpu_supports("fma");
	if (hw)
		return fma_hw(a, b, c);
	p = a * b;
	t = sp * a; ah = t - (t - a); al = a - ah;
	t = sp * b; bh = t - (t - b); bl = b - bh;
	e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
	s = p + c;
	return s + (e + (c - (s - p)));
}

#define FX     0x80000000u
#define FEX    0x40000000u
#define VX     0x20000000u
#define OX     0x10000000u
#define UX     0x08000000u
#define ZX     0x04000000u
#define XX     0x02000000u
#define VXSNAN 0x01000000u
#define VXISI  0x00800000u
#define VXIDI  0x00400000u
#define VXZDZ  0x00200000u
#define VXIMZ  0x00100000u
#define VXVC   0x00080000u
#define FR     0x00040000u
#define FI     0x00020000u
#define FPRF   0x0001f000u
#define VXSOFT 0x00000400u
#define VXSQRT 0x00000200u
#define VXCVI  0x00000100u
#define VX_ALL (VXSNAN | VXISI | VXIDI | VXZDZ | VXIMZ | VXVC | VXSOFT | VXSQRT | VXCVI)
#define ENABLES 0xf8u

#define RA0 (o->ra ? c->gpr[o->ra] : 0)

#define FPCHECK() do { \
	if (unlikely(!(c->msr & MSR_FP))) \
		return ppc_raise(c, IV_FPUNAVAIL, c->pc); \
} while (0)

static inline double getf(struct ppc *c, unsigned r) { double d; memcpy(&d, &c->fpr[r], 8); return d; }
static inline void setf(struct ppc *c, unsigned r, double d) { memcpy(&c->fpr[r], &d, 8); }

static inline int is_snan(uint64_t b)
{
	return (b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
	       (b & 0x000fffffffffffffull) && !(b & 0x0008000000000000ull);
}

/* Single to double and back without disturbing NaN payloads (loads and stores never signal). */
static uint64_t s2d(uint32_t s)
{
	if ((s & 0x7f800000u) == 0x7f800000u)
		return (uint64_t)(s & 0x80000000u) << 32 | 0x7ff0000000000000ull |
		       (uint64_t)(s & 0x007fffffu) << 29;
	float f;
	double d;
	memcpy(&f, &s, 4);
	d = f;
	uint64_t b;
	memcpy(&b, &d, 8);
	return b;
}

static uint32_t d2s(uint64_t b)
{
	if ((b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (b & 0x000fffffffffffffull))
		return (uint32_t)(b >> 32 & 0x80000000u) | 0x7f800000u | (uint32_t)(b >> 29 & 0x007fffffu);
	double d;
	memcpy(&d, &b, 8);
	float f = d;
	uint32_t s;
	memcpy(&s, &f, 4);
	return s;
}

void ppc_fp_set_round(struct ppc *c)
{
	host_round(c->fpscr & 3);
}

/* FEX and VX are summaries; FX is set by any exception bit going 0 to 1. */
static void fpscr_set(struct ppc *c, uint32_t nv)
{
	uint32_t newly = nv & ~c->fpscr & (OX | UX | ZX | XX | VX_ALL);

	if (newly)
		nv |= FX;
	nv &= ~(VX | FEX);
	if (nv & VX_ALL)
		nv |= VX;
	if (((nv >> 25) & (nv >> 3) & 0x1f) || ((nv & VX) && (nv & 0x80)))
		nv |= FEX;
	c->fpscr = nv;
}

static uint32_t fprf(double d)
{
	int neg = signbit(d);

	switch (fpclassify(d)) {
	case FP_NAN: return 0x11000;
	case FP_INFINITE: return neg ? 0x09000 : 0x05000;
	case FP_ZERO: return neg ? 0x12000 : 0x02000;
	case FP_SUBNORMAL: return neg ? 0x18000 : 0x14000;
	default: return neg ? 0x08000 : 0x04000;
	}
}

/* After an arithmetic result: sticky bits from the host, FPRF, CR1, and an enabled exception. */
static int fp_done(struct ppc *c, struct op *o, double r, uint32_t invalid)
{
	unsigned ex = host_flags();
	uint32_t f = c->fpscr & ~(FPRF | FR | FI);

	if (ex & HX_INVALID)
		f |= invalid;
	if (ex & HX_OVERFLOW)
		f |= OX;
	if (ex & HX_UNDERFLOW)
		f |= UX;
	if (ex & HX_DIVZERO)
		f |= ZX;
	if (ex & HX_INEXACT)
		f |= XX | FI;
	f |= fprf(r);
	fpscr_set(c, f);
	setf(c, o->rt, r);
	if (o->rc)
		set_crf(c, 1, c->fpscr >> 28);
	if ((c->fpscr & FEX) && (c->msr & (MSR_FE0 | MSR_FE1)))
		return ppc_program(c, ESR_FP);
	return 0;
}

OP(fp_arith)
{
	unsigned xo = o->aux & 0x1f, frc = (o->insn >> 6) & 0x1f;
	int single = o->aux & 0x100;
	double a = getf(c, o->ra), b = getf(c, o->rb), cc = getf(c, frc), r;
	uint32_t inval = VXISI;

	FPCHECK();
	if (is_snan(c->fpr[o->ra]) || is_snan(c->fpr[o->rb]) || is_snan(c->fpr[frc]))
		inval = VXSNAN;
	host_clear();
	switch (xo) {
	case 18: r = a / b; if (inval != VXSNAN) inval = b == 0 ? VXZDZ : VXIDI; break;
	case 20: r = a - b; break;
	case 21: r = a + b; break;
	case 22: r = host_sqrt(b); if (inval != VXSNAN) inval = VXSQRT; break;
	case 23:
		/* fsel: no exceptions, no FPRF */
		setf(c, o->rt, a >= 0.0 ? cc : b);
		if (o->rc)
			set_crf(c, 1, c->fpscr >> 28);
		return 0;
	case 24: r = 1.0 / b; single = 1; break;
	case 25: r = a * cc; if (inval != VXSNAN) inval = VXIMZ; break;
	case 26: r = 1.0 / host_sqrt(b); if (inval != VXSNAN) inval = VXSQRT; break;
	case 28: r = host_fma(a, cc, -b); break;
	case 29: r = host_fma(a, cc, b); break;
	case 30: r = -host_fma(a, cc, -b); break;
	default: r = -host_fma(a, cc, b); break;
	}
	if (single)
		r = (float)r;
	return fp_done(c, o, r, inval);
}

OP(frsp)
{
	FPCHECK();
	host_clear();
	return fp_done(c, o, (float)getf(c, o->rb), is_snan(c->fpr[o->rb]) ? VXSNAN : 0);
}

OP(fctiw)
{
	double b = getf(c, o->rb), t;
	uint64_t r;
	uint32_t f = c->fpscr & ~(FPRF | FR | FI);

	FPCHECK();
	if (isnan(b)) {
		r = 0x80000000u;
		f |= VXCVI | (is_snan(c->fpr[o->rb]) ? VXSNAN : 0);
	} else {
		if (fabs(b) >= 4294967296.0)
			t = b;		/* saturates below; no host conversion of huge values */
		else
			t = o->aux == 15 ? (double)(int64_t)b : (double)host_rint(b);
		if (t > 2147483647.0) {
			r = 0x7fffffffu;
			f |= VXCVI;
		} else if (t < -2147483648.0) {
			r = 0x80000000u;
			f |= VXCVI;
		} else {
			r = (uint64_t)(int64_t)(int32_t)t;
			if (t != b)
				f |= XX | FI | (fabs(t) > fabs(b) ? FR : 0);
		}
	}
	fpscr_set(c, f);
	c->fpr[o->rt] = r;
	if (o->rc)
		set_crf(c, 1, c->fpscr >> 28);
	if ((c->fpscr & FEX) && (c->msr & (MSR_FE0 | MSR_FE1)))
		return ppc_program(c, ESR_FP);
	return 0;
}

/* fneg, fmr, fnabs, fabs: sign bit only, no exceptions. */
OP(fmove)
{
	uint64_t b = c->fpr[o->rb], s = 1ull << 63;

	FPCHECK();
	switch (o->aux) {
	case 40: b ^= s; break;
	case 136: b |= s; break;
	case 264: b &= ~s; break;
	}
	c->fpr[o->rt] = b;
	if (o->rc)
		set_crf(c, 1, c->fpscr >> 28);
	return 0;
}

OP(fcmp)
{
	double a = getf(c, o->ra), b = getf(c, o->rb);
	uint32_t cc, f = c->fpscr & ~0xf000u;

	FPCHECK();
	if (isnan(a) || isnan(b)) {
		cc = 1;
		if (is_snan(c->fpr[o->ra]) || is_snan(c->fpr[o->rb]))
			f |= VXSNAN;
		if (o->aux == 32)
			f |= VXVC;
	} else {
		cc = a < b ? 8 : a > b ? 4 : 2;
	}
	fpscr_set(c, f | cc << 12);
	set_crf(c, o->rt, cc);
	return 0;
}

OP(mffs)
{
	FPCHECK();
	c->fpr[o->rt] = c->fpscr;
	if (o->rc)
		set_crf(c, 1, c->fpscr >> 28);
	return 0;
}

static int fpscr_written(struct ppc *c, struct op *o, uint32_t nv)
{
	fpscr_set(c, nv);
	ppc_fp_set_round(c);
	if (o->rc)
		set_crf(c, 1, c->fpscr >> 28);
	return 0;
}

OP(mtfsf)
{
	uint32_t m = 0, v = c->fpr[o->rb];

	FPCHECK();
	for (int i = 0; i < 8; i++)
		if (o->aux & (0x80 >> i))
			m |= 0xf0000000u >> (4 * i);
	/* FX is written directly here; FEX and VX stay summaries */
	uint32_t nv = (c->fpscr & ~m) | (v & m);
	fpscr_set(c, nv);
	c->fpscr = (c->fpscr & ~FX) | (nv & FX);
	return fpscr_written(c, o, c->fpscr);
}

OP(mtfsfi)
{
	unsigned sh = 28 - 4 * o->rt;

	FPCHECK();
	return fpscr_written(c, o, (c->fpscr & ~(0xfu << sh)) | (o->aux << sh));
}

OP(mtfsb)
{
	uint32_t bit = 0x80000000u >> o->rt;

	FPCHECK();
	if (bit & (FEX | VX))
		return fpscr_written(c, o, c->fpscr);
	return fpscr_written(c, o, o->aux == 38 ? c->fpscr | bit : c->fpscr & ~bit);
}

OP(mcrfs)
{
	unsigned sh = 28 - 4 * o->ra;
	uint32_t field = (c->fpscr >> sh) & 0xf;
	uint32_t clear = (0xfu << sh) & (FX | OX | UX | ZX | XX | VX_ALL);

	FPCHECK();
	set_crf(c, o->rt, field);
	fpscr_set(c, c->fpscr & ~clear);
	return 0;
}

/* Loads and stores */
#define EA_D  (RA0 + o->imm)
#define EA_DU (c->gpr[o->ra] + o->imm)
#define EA_X  (RA0 + c->gpr[o->rb])
#define EA_XU (c->gpr[o->ra] + c->gpr[o->rb])

static inline int ld64(struct ppc *c, uint32_t ea, uint64_t *v)
{
	uint32_t hi, lo;
	int r;

	if ((r = ld32(c, ea, &hi)) || (r = ld32(c, ea + 4, &lo)))
		return r;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

static inline int st64(struct ppc *c, uint32_t ea, uint64_t v)
{
	int r;

	/* probe the second word first so a fault leaves memory untouched */
	if ((ea & 0xfff) > 0xff8) {
		uint32_t tmp;
		if ((r = ld32(c, ea + 4, &tmp)))
			return r;
	}
	if ((r = st32(c, ea, v >> 32)) || (r = st32(c, ea + 4, v)))
		return r;
	return 0;
}

#define LFS(name, EA, upd) \
OP(name) \
{ \
	uint32_t ea, s; \
	int r; \
	FPCHECK(); \
	ea = EA; \
	if ((r = ld32(c, ea, &s))) \
		return r; \
	c->fpr[o->rt] = s2d(s); \
	if (upd) \
		c->gpr[o->ra] = ea; \
	return 0; \
}
#define LFD(name, EA, upd) \
OP(name) \
{ \
	uint32_t ea; \
	uint64_t d; \
	int r; \
	FPCHECK(); \
	ea = EA; \
	if ((r = ld64(c, ea, &d))) \
		return r; \
	c->fpr[o->rt] = d; \
	if (upd) \
		c->gpr[o->ra] = ea; \
	return 0; \
}
#define STFS(name, EA, upd) \
OP(name) \
{ \
	uint32_t ea; \
	int r; \
	FPCHECK(); \
	ea = EA; \
	if ((r = st32(c, ea, d2s(c->fpr[o->rt])))) \
		return r; \
	if (upd) \
		c->gpr[o->ra] = ea; \
	return 0; \
}
#define STFD(name, EA, upd) \
OP(name) \
{ \
	uint32_t ea; \
	int r; \
	FPCHECK(); \
	ea = EA; \
	if ((r = st64(c, ea, c->fpr[o->rt]))) \
		return r; \
	if (upd) \
		c->gpr[o->ra] = ea; \
	return 0; \
}

LFS(lfs, EA_D, 0) LFS(lfsu, EA_DU, 1) LFS(lfsx, EA_X, 0) LFS(lfsux, EA_XU, 1)
LFD(lfd, EA_D, 0) LFD(lfdu, EA_DU, 1) LFD(lfdx, EA_X, 0) LFD(lfdux, EA_XU, 1)
STFS(stfs, EA_D, 0) STFS(stfsu, EA_DU, 1) STFS(stfsx, EA_X, 0) STFS(stfsux, EA_XU, 1)
STFD(stfd, EA_D, 0) STFD(stfdu, EA_DU, 1) STFD(stfdx, EA_X, 0) STFD(stfdux, EA_XU, 1)

OP(stfiwx)
{
	FPCHECK();
	return st32(c, EA_X, (uint32_t)c->fpr[o->rt]);
}
