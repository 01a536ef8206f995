/*
 * Integer arithmetic, logical, rotate, shift and compare instructions.
 * Operands: rt (RT or RS), ra, rb, rc (the Rc bit), imm (SI/UI, SH, ...),
 * aux (OE, or the rotate mask).  None of them can fault: all are OP_PURE.
 */
#include "insn.h"

#define RT c->gpr[o->rt]
#define RA c->gpr[o->ra]
#define RB c->gpr[o->rb]
#define RA0 (o->ra ? c->gpr[o->ra] : 0)

static inline void set_ov(struct ppc *c, int ov)
{
	if (ov)
		c->xer |= XER_OV | XER_SO;
	else
		c->xer &= ~XER_OV;
}

static inline void set_ca(struct ppc *c, int ca)
{
	c->xer = (c->xer & ~XER_CA) | (ca ? XER_CA : 0);
}

static inline void finish(struct ppc *c, struct op *o, uint32_t r)
{
	c->gpr[o->rt] = r;
	if (o->rc)
		set_cr0(c, r);
}

/* a + b + cin with carry out and signed overflow */
static inline uint32_t adde3(struct ppc *c, struct op *o, uint32_t a, uint32_t b, uint32_t cin, int setca)
{
	uint64_t s = (uint64_t)a + b + cin;
	uint32_t r = s;

	if (setca)
		set_ca(c, s >> 32);
	if (o->aux)
		set_ov(c, ((a ^ r) & (b ^ r)) >> 31);
	return r;
}

#define CA ((c->xer >> 29) & 1)

/* decode.c gives rA = 0 its own handlers (li, lis): these read rA as it is */
OP_PURE(addi) { c->gpr[o->rt] = RA + o->imm; return 0; }
OP_PURE(addis) { c->gpr[o->rt] = RA + ((uint32_t)o->imm << 16); return 0; }
OP_PURE(li) { c->gpr[o->rt] = o->imm; return 0; }
OP_PURE(lis) { c->gpr[o->rt] = (uint32_t)o->imm << 16; return 0; }
OP_PURE(addic)
{
	uint32_t a = RA, r = a + o->imm;

	set_ca(c, r < a);
	c->gpr[o->rt] = r;
	if (o->rc)
		set_cr0(c, r);
	return 0;
}
OP_PURE(subfic)
{
	uint64_t s = (uint64_t)(uint32_t)~RA + (uint32_t)o->imm + 1;

	set_ca(c, s >> 32);
	c->gpr[o->rt] = s;
	return 0;
}
OP_PURE(mulli) { c->gpr[o->rt] = (uint32_t)((int32_t)RA * (int64_t)o->imm); return 0; }

OP_PURE(add) { finish(c, o, adde3(c, o, RA, RB, 0, 0)); return 0; }
OP_PURE(addc) { finish(c, o, adde3(c, o, RA, RB, 0, 1)); return 0; }
OP_PURE(adde) { finish(c, o, adde3(c, o, RA, RB, CA, 1)); return 0; }
OP_PURE(addme) { finish(c, o, adde3(c, o, RA, 0xffffffffu, CA, 1)); return 0; }
OP_PURE(addze) { finish(c, o, adde3(c, o, RA, 0, CA, 1)); return 0; }
OP_PURE(subf) { finish(c, o, adde3(c, o, ~RA, RB, 1, 0)); return 0; }
OP_PURE(subfc) { finish(c, o, adde3(c, o, ~RA, RB, 1, 1)); return 0; }
OP_PURE(subfe) { finish(c, o, adde3(c, o, ~RA, RB, CA, 1)); return 0; }
OP_PURE(subfme) { finish(c, o, adde3(c, o, ~RA, 0xffffffffu, CA, 1)); return 0; }
OP_PURE(subfze) { finish(c, o, adde3(c, o, ~RA, 0, CA, 1)); return 0; }
OP_PURE(neg) { finish(c, o, adde3(c, o, ~RA, 0, 1, 0)); return 0; }

/* The forms without OE and Rc, the common ones: nothing to test for. */
OP_PURE(add_plain) { c->gpr[o->rt] = RA + RB; return 0; }
OP_PURE(subf_plain) { c->gpr[o->rt] = RB - RA; return 0; }

OP_PURE(mullw)
{
	int64_t p = (int64_t)(int32_t)RA * (int32_t)RB;

	if (o->aux)
		set_ov(c, p != (int32_t)p);
	finish(c, o, (uint32_t)p);
	return 0;
}
OP_PURE(mulhw) { finish(c, o, (uint64_t)((int64_t)(int32_t)RA * (int32_t)RB) >> 32); return 0; }
OP_PURE(mulhwu) { finish(c, o, ((uint64_t)RA * RB) >> 32); return 0; }

/* Division by zero and INT_MIN / -1 are undefined; like QEMU, RT gets RA then. */
OP_PURE(divw)
{
	int32_t a = RA, b = RB;
	int ov = b == 0 || (a == INT32_MIN && b == -1);

	if (o->aux)
		set_ov(c, ov);
	finish(c, o, ov ? (uint32_t)a : (uint32_t)(a / b));
	return 0;
}
OP_PURE(divwu)
{
	uint32_t a = RA, b = RB;

	if (o->aux)
		set_ov(c, b == 0);
	finish(c, o, b ? a / b : a);
	return 0;
}

/* The 440's half-word multiply and multiply-accumulate (opcode 4). */
OP_PURE(mac)
{
	unsigned opc2 = (o->insn >> 1) & 0x1f, opc3 = (o->insn >> 6) & 0x1f;
	uint32_t a = RA, b = RB;
	int sgn = opc3 & 1;
	int64_t x, y, p, s;
	uint32_t r;

	switch (opc3 & 0x0c) {
	case 0x04: x = a & 0xffff; y = b >> 16; break;		/* cross */
	case 0x00: x = a >> 16; y = b >> 16; break;		/* high */
	default: x = a & 0xffff; y = b & 0xffff; break;		/* low */
	}
	if (sgn) {
		x = (int16_t)x;
		y = (int16_t)y;
	}
	p = x * y;
	if (!(opc2 & 4)) {
		finish(c, o, (uint32_t)p);
		return 0;
	}
	if (sgn)
		s = (int64_t)(int32_t)c->gpr[o->rt] + (opc2 & 2 ? -p : p);
	else
		s = (int64_t)(uint64_t)c->gpr[o->rt] + (opc2 & 2 ? -p : p);
	r = s;
	if (opc3 & 0x12) {
		int ov = sgn ? s != (int32_t)s : (s < 0 || s > 0xffffffffll);

		if ((opc3 & 2) && ov)
			r = sgn ? (s < 0 ? 0x80000000u : 0x7fffffffu) : (s < 0 ? 0 : 0xffffffffu);
		if (opc3 & 0x10)
			set_ov(c, ov);
	}
	finish(c, o, r);
	return 0;
}

/* Logical: rt is RS, the result goes to RA. */
static inline void lfinish(struct ppc *c, struct op *o, uint32_t r)
{
	c->gpr[o->ra] = r;
	if (o->rc)
		set_cr0(c, r);
}

OP_PURE(ori) { c->gpr[o->ra] = RT | (uint32_t)o->imm; return 0; }
OP_PURE(oris) { c->gpr[o->ra] = RT | ((uint32_t)o->imm << 16); return 0; }
OP_PURE(xori) { c->gpr[o->ra] = RT ^ (uint32_t)o->imm; return 0; }
OP_PURE(xoris) { c->gpr[o->ra] = RT ^ ((uint32_t)o->imm << 16); return 0; }
OP_PURE(andi) { lfinish(c, o, RT & (uint32_t)o->imm); return 0; }
OP_PURE(andis) { lfinish(c, o, RT & ((uint32_t)o->imm << 16)); return 0; }
OP_PURE(and) { lfinish(c, o, RT & RB); return 0; }
OP_PURE(andc) { lfinish(c, o, RT & ~RB); return 0; }
OP_PURE(or) { lfinish(c, o, RT | RB); return 0; }
OP_PURE(orc) { lfinish(c, o, RT | ~RB); return 0; }
OP_PURE(xor) { lfinish(c, o, RT ^ RB); return 0; }
OP_PURE(nand) { lfinish(c, o, ~(RT & RB)); return 0; }
OP_PURE(nor) { lfinish(c, o, ~(RT | RB)); return 0; }
OP_PURE(eqv) { lfinish(c, o, ~(RT ^ RB)); return 0; }
OP_PURE(extsb) { lfinish(c, o, (uint32_t)(int8_t)RT); return 0; }
OP_PURE(extsh) { lfinish(c, o, (uint32_t)(int16_t)RT); return 0; }
OP_PURE(or_plain) { c->gpr[o->ra] = RT | RB; return 0; }
OP_PURE(mr) { c->gpr[o->ra] = RT; return 0; }
OP_PURE(and_plain) { c->gpr[o->ra] = RT & RB; return 0; }
OP_PURE(xor_plain) { c->gpr[o->ra] = RT ^ RB; return 0; }
OP_PURE(cntlzw) { uint32_t s = RT; lfinish(c, o, s ? __builtin_clz(s) : 32); return 0; }

OP_PURE(slw) { uint32_t n = RB & 63; lfinish(c, o, n > 31 ? 0 : RT << n); return 0; }
OP_PURE(srw) { uint32_t n = RB & 63; lfinish(c, o, n > 31 ? 0 : RT >> n); return 0; }

static inline uint32_t sra(struct ppc *c, uint32_t s, unsigned n)
{
	int32_t v = s;

	if (n > 31) {
		set_ca(c, v < 0);
		return v < 0 ? 0xffffffffu : 0;
	}
	set_ca(c, v < 0 && n && (s & ((1u << n) - 1)));
	return (uint32_t)(v >> n);
}
OP_PURE(sraw) { lfinish(c, o, sra(c, RT, RB & 63)); return 0; }
OP_PURE(srawi) { lfinish(c, o, sra(c, RT, o->rb)); return 0; }

static inline uint32_t rotl(uint32_t x, unsigned n)
{
	n &= 31;
	return (x << n) | (x >> (-n & 31));
}

/* aux holds MASK(MB, ME), imm holds SH. */
OP_PURE(rlwinm) { lfinish(c, o, rotl(RT, o->imm) & o->aux); return 0; }
OP_PURE(rlwinm_plain) { c->gpr[o->ra] = rotl(RT, o->imm) & o->aux; return 0; }
OP_PURE(rlwnm) { lfinish(c, o, rotl(RT, RB) & o->aux); return 0; }
OP_PURE(rlwimi)
{
	lfinish(c, o, (rotl(RT, o->imm) & o->aux) | (RA & ~o->aux));
	return 0;
}

static inline uint32_t cmpflags(struct ppc *c, int lt, int gt)
{
	return cr_order(lt, gt) | c->xer >> 31;
}

/* rt holds the CR field. */
OP_PURE(cmpi) { int32_t a = RA; set_crf(c, o->rt, cmpflags(c, a < o->imm, a > o->imm)); return 0; }
OP_PURE(cmpli) { uint32_t a = RA, b = (uint32_t)o->imm; set_crf(c, o->rt, cmpflags(c, a < b, a > b)); return 0; }
OP_PURE(cmp) { int32_t a = RA, b = RB; set_crf(c, o->rt, cmpflags(c, a < b, a > b)); return 0; }
OP_PURE(cmpl) { uint32_t a = RA, b = RB; set_crf(c, o->rt, cmpflags(c, a < b, a > b)); return 0; }

OP_PURE(isel)
{
	int bit = cr_bit(c, o->rc);

	c->gpr[o->rt] = bit ? RA0 : RB;
	return 0;
}

OP_PURE(dlmzb)
{
	uint64_t both = (uint64_t)RT << 32 | RB;
	unsigned i, f = 2;

	for (i = 1; i <= 8; i++)
		if (!((both >> (64 - 8 * i)) & 0xff)) {
			f = i <= 4 ? 4 : 8;
			break;
		}
	if (i > 8)
		i = 8;
	c->xer = (c->xer & ~0x7fu) | i;
	c->gpr[o->ra] = i;
	if (o->rc)
		set_crf(c, 0, f | (c->xer >> 31));
	return 0;
}

/* Condition register and XER moves */
OP_PURE(mfcr) { c->gpr[o->rt] = cr_get(c); return 0; }
OP_PURE(mtcrf)
{
	uint32_t m = 0;

	for (int i = 0; i < 8; i++)
		if (o->aux & (0x80 >> i))
			m |= 0xf0000000u >> (4 * i);
	cr_set(c, (cr_get(c) & ~m) | (RT & m));
	return 0;
}
OP_PURE(mcrxr)
{
	set_crf(c, o->rt, c->xer >> 28);
	c->xer &= 0x0fffffffu;
	return 0;
}
OP_PURE(mcrf) { set_crf(c, o->rt, c->crf[o->ra]); return 0; }

/* CR logical: rt = BT, ra = BA, rb = BB; aux = the 4-entry truth table. */
OP_PURE(crop)
{
	unsigned a = cr_bit(c, o->ra), b = cr_bit(c, o->rb);
	unsigned r = (o->aux >> (a * 2 + b)) & 1, m = 8 >> (o->rt & 3);

	c->crf[o->rt >> 2] = (c->crf[o->rt >> 2] & ~m) | (r ? m : 0);
	return 0;
}
