/*
 * Integer loads and stores in every form (D, D-update, X, X-update,
 * byte-reversed, multiple, string), lwarx/stwcx., and the cache
 * instructions.  A faulting access leaves the registers unchanged (the
 * update forms write RA only after the access).
 */
#include <string.h>

#include "insn.h"

#define RT c->gpr[o->rt]
#define RA c->gpr[o->ra]
#define RB c->gpr[o->rb]
#define RA0 (o->ra ? c->gpr[o->ra] : 0)

#define EA_D  (RA0 + o->imm)
#define EA_DU (RA + o->imm)
#define EA_X  (RA0 + RB)
#define EA_XU (RA + RB)

#define LOAD(name, fn, conv, EA, upd) \
OP(name) \
{ \
	uint32_t ea = EA, v; \
	int r = fn(c, ea, &v); \
	if (unlikely(r)) \
		return r; \
	c->gpr[o->rt] = conv(v); \
	if (upd) \
		c->gpr[o->ra] = ea; \
	return 0; \
}

#define STORE(name, fn, conv, EA, upd) \
OP(name) \
{ \
	uint32_t ea = EA; \
	int r = fn(c, ea, conv(RT)); \
	if (unlikely(r)) \
		return r; \
	if (upd) \
		c->gpr[o->ra] = ea; \
	return 0; \
}

#define ID(x) (x)
#define SH(x) ((uint32_t)(int16_t)(x))
#define BR16(x) ((uint32_t)__builtin_bswap16((uint16_t)(x)))
#define BR32(x) __builtin_bswap32(x)

LOAD(lwz, ld32, ID, EA_D, 0)   LOAD(lwzu, ld32, ID, EA_DU, 1)
LOAD(lwzx, ld32, ID, EA_X, 0)  LOAD(lwzux, ld32, ID, EA_XU, 1)
LOAD(lbz, ld8, ID, EA_D, 0)    LOAD(lbzu, ld8, ID, EA_DU, 1)
LOAD(lbzx, ld8, ID, EA_X, 0)   LOAD(lbzux, ld8, ID, EA_XU, 1)
LOAD(lhz, ld16, ID, EA_D, 0)   LOAD(lhzu, ld16, ID, EA_DU, 1)
LOAD(lhzx, ld16, ID, EA_X, 0)  LOAD(lhzux, ld16, ID, EA_XU, 1)
LOAD(lha, ld16, SH, EA_D, 0)   LOAD(lhau, ld16, SH, EA_DU, 1)
LOAD(lhax, ld16, SH, EA_X, 0)  LOAD(lhaux, ld16, SH, EA_XU, 1)
LOAD(lwbrx, ld32, BR32, EA_X, 0)
LOAD(lhbrx, ld16, BR16, EA_X, 0)

STORE(stw, st32, ID, EA_D, 0)  STORE(stwu, st32, ID, EA_DU, 1)
STORE(stwx, st32, ID, EA_X, 0) STORE(stwux, st32, ID, EA_XU, 1)
STORE(stb, st8, ID, EA_D, 0)   STORE(stbu, st8, ID, EA_DU, 1)
STORE(stbx, st8, ID, EA_X, 0)  STORE(stbux, st8, ID, EA_XU, 1)
STORE(sth, st16, ID, EA_D, 0)  STORE(sthu, st16, ID, EA_DU, 1)
STORE(sthx, st16, ID, EA_X, 0) STORE(sthux, st16, ID, EA_XU, 1)
STORE(stwbrx, st32, BR32, EA_X, 0)
STORE(sthbrx, st16, BR16, EA_X, 0)

OP(lmw)
{
	uint32_t ea = EA_D, v;
	int r;

	for (unsigned i = o->rt; i < 32; i++, ea += 4) {
		if ((r = ld32(c, ea, &v)))
			return r;
		c->gpr[i] = v;
	}
	return 0;
}

OP(stmw)
{
	uint32_t ea = EA_D;
	int r;

	for (unsigned i = o->rt; i < 32; i++, ea += 4)
		if ((r = st32(c, ea, c->gpr[i])))
			return r;
	return 0;
}

/* Strings: n bytes into registers from rt on, four per register, left-justified. */
static int load_string(struct ppc *c, unsigned rt, uint32_t ea, unsigned n)
{
	uint32_t regs[32], b;
	unsigned reg = rt, nr = (n + 3) / 4;
	int r;

	memcpy(regs, c->gpr, sizeof(regs));
	for (unsigned i = 0; i < n; i++) {
		if (i % 4 == 0) {
			reg = (rt + i / 4) % 32;
			regs[reg] = 0;
		}
		if ((r = ld8(c, ea + i, &b)))
			return r;
		regs[reg] |= b << (24 - 8 * (i % 4));
	}
	for (unsigned i = 0; i < nr; i++)
		c->gpr[(rt + i) % 32] = regs[(rt + i) % 32];
	return 0;
}

static int store_string(struct ppc *c, unsigned rs, uint32_t ea, unsigned n)
{
	int r;

	for (unsigned i = 0; i < n; i++) {
		uint32_t w = c->gpr[(rs + i / 4) % 32];

		if ((r = st8(c, ea + i, w >> (24 - 8 * (i % 4)))))
			return r;
	}
	return 0;
}

OP(lswi) { return load_string(c, o->rt, RA0, o->rb ? o->rb : 32); }
OP(lswx) { return load_string(c, o->rt, EA_X, c->xer & 0x7f); }
OP(stswi) { return store_string(c, o->rt, RA0, o->rb ? o->rb : 32); }
OP(stswx) { return store_string(c, o->rt, EA_X, c->xer & 0x7f); }

/*
 * lwarx/stwcx.: the reservation is the physical address and the value read;
 * stwcx. succeeds with a compare-and-swap, so another vcpu's store between
 * the two makes it fail.
 */
OP(lwarx)
{
	uint32_t ea = EA_X;
	uint64_t gpa;
	uint8_t *h;
	int r;

	if (ea & 3)
		return ppc_data_fault(c, IV_ALIGN, ea, 0);
	if (!(h = mem_ram(c, ea, 4, ACC_R, &r, &gpa)))
		return r;
	c->resv_valid = true;
	c->resv_gpa = gpa;
	c->resv_val = __atomic_load_n((uint32_t *)h, __ATOMIC_ACQUIRE);
	c->gpr[o->rt] = __builtin_bswap32(c->resv_val);
	return 0;
}

OP(stwcx)
{
	uint32_t ea = EA_X, nv = __builtin_bswap32(RT), old = c->resv_val;
	uint64_t gpa;
	uint8_t *h;
	int r, ok = 0;

	if (ea & 3)
		return ppc_data_fault(c, IV_ALIGN, ea, 1);
	if (!(h = mem_ram(c, ea, 4, ACC_W, &r, &gpa)))
		return r;
	if (c->resv_valid && c->resv_gpa == gpa)
		ok = __atomic_compare_exchange_n((uint32_t *)h, &old, nv, false,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	c->resv_valid = false;
	set_crf(c, 0, (ok ? 2 : 0) | (c->xer >> 31));
	return 0;
}

OP(dcbz)
{
	uint32_t ea = EA_X & ~31u;
	uint64_t gpa;
	uint8_t *h;
	int r;

	if (!(h = mem_ram(c, ea, 32, ACC_W, &r, &gpa)))
		return r;
	memset(h, 0, 32);
	return 0;
}

/* dcbf, dcbst, icbi: translated like a load (they can miss), no data moves. */
OP(cache_probe)
{
	uint64_t gpa;
	int r;

	if (!mem_ram(c, EA_X, 0, ACC_R, &r, &gpa))
		return r;
	return 0;
}

/* dcbt, dcbtst, icbt, dcba, sync, msync, mbar, isync: nothing to do in an interpreter. */
OP(nop) { (void)c; (void)o; return 0; }
