/* Bit tests and scans, setcc/cmovcc, and the instructions that set single flags. */
#include "exec.h"

/* op: 0 bt, 1 bts, 2 btr, 3 btc.  CF = the bit; ZF kept; the rest undefined (kept). */
static int bit_op(struct x86_cpu *c, const struct insn *i, int64_t off)
{
	unsigned w = i->os * 8, bit;
	uint64_t v, nv, ea = 0;
	uint32_t f = flags_get(c) & ~FL_CF;

	if (i->mod == 3) {
		bit = off & (w - 1);
		v = reg_get(c, i->rmoff, i->os);
	} else {
		/* a register bit offset reaches anywhere from the operand, signed */
		ea = (insn_ea(c, i) + (off >> (w == 16 ? 4 : w == 32 ? 5 : 6)) * (int64_t)i->os) & size_mask(i->as);
		bit = off & (w - 1);
		v = seg_read(c, i->seg, ea, i->os);
	}
	switch (i->op) {
	case 1: nv = v | (1ull << bit); break;
	case 2: nv = v & ~(1ull << bit); break;
	case 3: nv = v ^ (1ull << bit); break;
	default: nv = v; break;
	}
	if (i->op) {
		if (i->mod == 3)
			reg_put(c, i->rmoff, i->os, nv);
		else
			seg_write(c, i->seg, ea, i->os, nv);
	}
	flags_set_arith(c, f | ((v >> bit) & 1 ? FL_CF : 0));
	return 0;
}

int h_bt_r(struct x86_cpu *c, const struct insn *i)
{
	uint64_t r = reg_get(c, i->roff, i->os);
	int64_t off = i->os == 2 ? (int16_t)r : i->os == 4 ? (int32_t)r : (int64_t)r;

	return bit_op(c, i, off);
}

int h_bt_i(struct x86_cpu *c, const struct insn *i)
{
	/* an immediate offset stays inside the operand */
	return bit_op(c, i, i->imm & (i->os * 8 - 1));
}

/* A zero source sets ZF and leaves the destination alone (what CPUs do). */
static int bit_scan(struct x86_cpu *c, const struct insn *i, int reverse)
{
	uint64_t s = rm_get(c, i, i->os);
	uint32_t f = flags_get(c) & ~FL_ZF;

	if (!s) {
		flags_set_arith(c, f | FL_ZF);
		return 0;
	}
	reg_put(c, i->roff, i->os, reverse ? 63 - __builtin_clzll(s) : __builtin_ctzll(s));
	flags_set_arith(c, f);
	return 0;
}

int h_bsf(struct x86_cpu *c, const struct insn *i)
{
	return bit_scan(c, i, 0);
}

int h_bsr(struct x86_cpu *c, const struct insn *i)
{
	return bit_scan(c, i, 1);
}

/* popcnt, tzcnt, lzcnt: ZF = result zero (for the counts: source zero), CF
 * (counts) = source zero; OF SF AF PF cleared. */
int h_popcnt(struct x86_cpu *c, const struct insn *i)
{
	uint64_t s = rm_get(c, i, i->os);

	reg_put(c, i->roff, i->os, __builtin_popcountll(s));
	flags_set_arith(c, s ? 0 : FL_ZF);
	return 0;
}

static int count_zeros(struct x86_cpu *c, const struct insn *i, int leading)
{
	uint64_t s = rm_get(c, i, i->os);
	unsigned w = i->os * 8, n;

	if (!s)
		n = w;
	else
		n = leading ? (unsigned)__builtin_clzll(s) - (64 - w) : (unsigned)__builtin_ctzll(s);
	reg_put(c, i->roff, i->os, n);
	flags_set_arith(c, (flags_get(c) & ~(uint64_t)(FL_ZF | FL_CF)) | (n == w ? FL_CF : 0) | (n == 0 ? FL_ZF : 0));
	return 0;
}

int h_tzcnt(struct x86_cpu *c, const struct insn *i)
{
	return count_zeros(c, i, 0);
}

int h_lzcnt(struct x86_cpu *c, const struct insn *i)
{
	return count_zeros(c, i, 1);
}

int h_setcc(struct x86_cpu *c, const struct insn *i)
{
	rm_put(c, i, 1, flags_cond(c, i->op));
	return 0;
}

int h_cmovcc(struct x86_cpu *c, const struct insn *i)
{
	uint64_t s = rm_get(c, i, i->os);

	if (flags_cond(c, i->op))
		reg_put(c, i->roff, i->os, s);
	else if (i->os == 4)	/* a 32-bit destination is written (zero-extended) anyway */
		reg_put(c, i->roff, 4, reg_get(c, i->roff, 4));
	return 0;
}

#define LAHF_BITS (FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF)

int h_lahf(struct x86_cpu *c, const struct insn *i)
{
	(void)i;
	reg_put(c, RAX * 8 + 1, 1, (flags_get(c) & LAHF_BITS) | 2);
	return 0;
}

int h_sahf(struct x86_cpu *c, const struct insn *i)
{
	uint32_t ah = (c->s.gpr[RAX] >> 8) & LAHF_BITS;

	(void)i;
	flags_set_arith(c, (flags_get(c) & ~LAHF_BITS) | ah);
	return 0;
}

int h_clc(struct x86_cpu *c, const struct insn *i)
{
	(void)i;
	flags_set_arith(c, flags_get(c) & ~FL_CF);
	return 0;
}

int h_stc(struct x86_cpu *c, const struct insn *i)
{
	(void)i;
	flags_set_arith(c, flags_get(c) | FL_CF);
	return 0;
}

/* EFLAGS.AC, which lets CPL 0 reach user pages under SMAP: CPL 0 only, and only with SMAP in cpuid. */
int h_clac_stac(struct x86_cpu *c, const struct insn *i)
{
	uint32_t r[4];

	x86_cpuid_vcpu(c, 7, 0, r);
	if (c->cpl || (c->s.rflags & FL_VM) || !(r[1] & (1u << 20)))
		x86_fault(c, EXC_UD, 0, 0);
	flags_set(c, (i->rm & 7) == 3 ? flags_get(c) | FL_AC : flags_get(c) & ~(uint64_t)FL_AC);
	return 0;
}

int h_cmc(struct x86_cpu *c, const struct insn *i)
{
	(void)i;
	flags_set_arith(c, flags_get(c) ^ FL_CF);
	return 0;
}

int h_cld(struct x86_cpu *c, const struct insn *i)
{
	(void)i;
	c->s.rflags &= ~(uint64_t)FL_DF;
	return 0;
}

int h_std(struct x86_cpu *c, const struct insn *i)
{
	(void)i;
	c->s.rflags |= FL_DF;
	return 0;
}

static void check_iopl(struct x86_cpu *c)
{
	if ((c->s.cr0 & CR0_PE) && c->cpl > ((c->s.rflags & FL_IOPL) >> 12))
		x86_fault(c, EXC_GP, 1, 0);
}

void x86_v86_iopl(struct x86_cpu *c)
{
	if ((c->s.rflags & FL_VM) && (c->s.rflags & FL_IOPL) != FL_IOPL)
		x86_fault(c, EXC_GP, 1, 0);
}

int h_cli(struct x86_cpu *c, const struct insn *i)
{
	(void)i;
	check_iopl(c);
	c->s.rflags &= ~(uint64_t)FL_IF;
	return 0;
}

/* sti ends the block: the next instruction runs in the interrupt shadow. */
int h_sti(struct x86_cpu *c, const struct insn *i)
{
	check_iopl(c);
	if (!(c->s.rflags & FL_IF))
		c->shadow = 1;
	c->s.rflags |= FL_IF;
	c->s.rip = i->next;
	return 1;
}
