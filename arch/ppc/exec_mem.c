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
/* the forms through LOAD and STORE: decode.c made an rA of 0 GPR_ZERO */
#define EA_DZ (RA + o->imm)
#define EA_XZ (RA + RB)

/*
 * A soft-TLB hit inline; everything else (which may fault, so it needs
 * c->pc) in a separate function.
 */
static inline uint32_t host_ld(uintptr_t h, unsigned size)
{
	return size == 4 ? be32((uint8_t *)h) : size == 2 ? be16((uint8_t *)h) : *(uint8_t *)h;
}

static inline void host_st(uintptr_t h, unsigned size, uint32_t v)
{
	if (size == 4)
		put_be32((uint8_t *)h, v);
	else if (size == 2)
		put_be16((uint8_t *)h, v);
	else
		*(uint8_t *)h = v;
}

/* Both paths end the instruction themselves, so the hit path needs no stack frame. */
#define LOAD(name, size, conv, EA, upd) \
static __attribute__((noinline)) int name##_slow(struct ppc *c, struct op *o, uint32_t ea) \
{ \
	uint32_t v; \
	int r; \
	pc_here(c, o); \
	r = mem_load_slow(c, ea, size, &v); \
	if (unlikely(r)) \
		return op_end(c, o, r); \
	c->gpr[o->rt] = conv(v); \
	if (upd) \
		c->gpr[o->ra] = ea; \
	return op_next(c, o); \
} \
OP_DECL(name) \
{ \
	uint32_t ea = EA; \
	struct softe *e = soft_probe(c, ACC_R, ea, size); \
	if (unlikely(!e)) \
		return name##_slow(c, o, ea); \
	c->gpr[o->rt] = conv(host_ld(e->addend + ea, size)); \
	if (upd) \
		c->gpr[o->ra] = ea; \
	return op_next(c, o); \
}

#define STORE(name, size, conv, EA, upd) \
static __attribute__((noinline)) int name##_slow(struct ppc *c, struct op *o, uint32_t ea) \
{ \
	int r; \
	pc_here(c, o); \
	r = mem_store_slow(c, ea, size, conv(RT)); \
	if (unlikely(r)) \
		return op_end(c, o, r); \
	if (upd) \
		c->gpr[o->ra] = ea; \
	return op_next(c, o); \
} \
OP_DECL(name) \
{ \
	uint32_t ea = EA; \
	struct softe *e = soft_probe(c, ACC_W, ea, size); \
	if (unlikely(!e)) \
		return name##_slow(c, o, ea); \
	host_st(e->addend + ea, size, conv(RT)); \
	if (upd) \
		c->gpr[o->ra] = ea; \
	return op_next(c, o); \
}

#define ID(x) (x)
#define SH(x) ((uint32_t)(int16_t)(x))
#define BR16(x) ((uint32_t)__builtin_bswap16((uint16_t)(x)))
#define BR32(x) __builtin_bswap32(x)

LOAD(lwz, 4, ID, EA_DZ, 0)   LOAD(lwzu, 4, ID, EA_DU, 1)
LOAD(lwzx, 4, ID, EA_XZ, 0)  LOAD(lwzux, 4, ID, EA_XU, 1)
LOAD(lbz, 1, ID, EA_DZ, 0)    LOAD(lbzu, 1, ID, EA_DU, 1)
LOAD(lbzx, 1, ID, EA_XZ, 0)   LOAD(lbzux, 1, ID, EA_XU, 1)
LOAD(lhz, 2, ID, EA_DZ, 0)   LOAD(lhzu, 2, ID, EA_DU, 1)
LOAD(lhzx, 2, ID, EA_XZ, 0)  LOAD(lhzux, 2, ID, EA_XU, 1)
LOAD(lha, 2, SH, EA_DZ, 0)   LOAD(lhau, 2, SH, EA_DU, 1)
LOAD(lhax, 2, SH, EA_XZ, 0)  LOAD(lhaux, 2, SH, EA_XU, 1)
LOAD(lwbrx, 4, BR32, EA_XZ, 0)
LOAD(lhbrx, 2, BR16, EA_XZ, 0)

STORE(stw, 4, ID, EA_DZ, 0)  STORE(stwu, 4, ID, EA_DU, 1)
STORE(stwx, 4, ID, EA_XZ, 0) STORE(stwux, 4, ID, EA_XU, 1)
STORE(stb, 1, ID, EA_DZ, 0)   STORE(stbu, 1, ID, EA_DU, 1)
STORE(stbx, 1, ID, EA_XZ, 0)  STORE(stbux, 1, ID, EA_XU, 1)
STORE(sth, 2, ID, EA_DZ, 0)  STORE(sthu, 2, ID, EA_DU, 1)
STORE(sthx, 2, ID, EA_XZ, 0) STORE(sthux, 2, ID, EA_XU, 1)
STORE(stwbrx, 4, BR32, EA_XZ, 0)
STORE(sthbrx, 2, BR16, EA_XZ, 0)

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
 * lwarx/stwcx.: the reservation is the word's host address (one per guest
 * physical word) and the value read; stwcx. succeeds with a
 * compare-and-swap, so another vcpu's store between the two makes it fail.
 * A soft-TLB entry (aligned: misaligned tags never match) means RAM that
 * needs nothing more; the rest goes through mem_ram.
 */
OP(lwarx)
{
	uint32_t ea = EA_X;
	struct softe *e = soft_probe(c, ACC_R, ea, 4);
	uint64_t gpa;
	uint8_t *h;
	int r;

	if (likely(e != NULL)) {
		h = (uint8_t *)(e->addend + ea);
	} else {
		if (ea & 3)
			return ppc_data_fault(c, IV_ALIGN, ea, 0);
		if (!(h = mem_ram(c, ea, 4, ACC_R, &r, &gpa)))
			return r;
	}
	c->resv_valid = true;
	c->resv_host = h;
	c->resv_val = __atomic_load_n((uint32_t *)h, __ATOMIC_ACQUIRE);
	c->gpr[o->rt] = __builtin_bswap32(c->resv_val);
	return 0;
}

OP(stwcx)
{
	uint32_t ea = EA_X, nv = __builtin_bswap32(RT), old = c->resv_val;
	struct softe *e = soft_probe(c, ACC_W, ea, 4);
	uint64_t gpa;
	uint8_t *h;
	int r, ok = 0;

	if (likely(e != NULL)) {
		h = (uint8_t *)(e->addend + ea);
	} else {
		if (ea & 3)
			return ppc_data_fault(c, IV_ALIGN, ea, 1);
		if (!(h = mem_ram(c, ea, 4, ACC_W, &r, &gpa)))
			return r;
	}
	if (c->resv_valid && c->resv_host == h)
		ok = __atomic_compare_exchange_n((uint32_t *)h, &old, nv, false,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	c->resv_valid = false;
	set_crf(c, 0, (ok ? 2 : 0) | (c->xer >> 31));
	return 0;
}

OP(dcbz)
{
	uint32_t ea = EA_X & ~31u;
	struct softe *e = soft_probe(c, ACC_W, ea, 32);
	uint64_t gpa;
	uint8_t *h;
	int r;

	if (likely(e != NULL)) {
		memset((uint8_t *)(e->addend + ea), 0, 32);
		return 0;
	}
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

	if (soft_probe(c, ACC_R, EA_X, 1))
		return 0;	/* translated and readable already */
	if (!mem_ram(c, EA_X, 0, ACC_R, &r, &gpa))
		return r;
	return 0;
}

/* dcbt, dcbtst, icbt, dcba, sync, msync, mbar, isync: nothing to do in an interpreter. */
OP(nop) { (void)c; (void)o; return 0; }
