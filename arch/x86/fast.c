/*
 * Fast forms: after decoding, an instruction whose operands make it one of
 * the common shapes (a 32- or 64-bit register, a fixed-size memory access,
 * a stack as wide as the operand) gets a handler made for that shape, so
 * that the generic handler's run-time choices are made once here.  The
 * decoder itself keeps giving the generic handler, which stays the
 * reference for every shape.
 */
#include "exec.h"

#define BY_WIDTH(i, h32, h64) ((i)->os == 4 ? (h32) : (i)->os == 8 ? (h64) : NULL)

static xhandler alu_rr(const struct insn *i)
{
	static const xhandler h32[8] = { h_add_r32_r32, h_or_r32_r32, NULL, NULL,
					 h_and_r32_r32, h_sub_r32_r32, h_xor_r32_r32, h_cmp_r32_r32 };
	static const xhandler h64[8] = { h_add_r64_r64, h_or_r64_r64, NULL, NULL,
					 h_and_r64_r64, h_sub_r64_r64, h_xor_r64_r64, h_cmp_r64_r64 };

	return BY_WIDTH(i, h32[i->op & 7], h64[i->op & 7]);
}

static xhandler alu_ri(const struct insn *i)
{
	static const xhandler h32[8] = { h_add_r32_i, h_or_r32_i, NULL, NULL,
					 h_and_r32_i, h_sub_r32_i, h_xor_r32_i, h_cmp_r32_i };
	static const xhandler h64[8] = { h_add_r64_i, h_or_r64_i, NULL, NULL,
					 h_and_r64_i, h_sub_r64_i, h_xor_r64_i, h_cmp_r64_i };

	return BY_WIDTH(i, h32[i->op & 7], h64[i->op & 7]);
}

/* Group 2 by an immediate: rol ror - - shl shr sal sar. */
static xhandler shift_ri(struct insn *i)
{
	static const xhandler h32[8] = { h_rol_r32_i, h_ror_r32_i, NULL, NULL,
					 h_shl_r32_i, h_shr_r32_i, h_shl_r32_i, h_sar_r32_i };
	static const xhandler h64[8] = { h_rol_r64_i, h_ror_r64_i, NULL, NULL,
					 h_shl_r64_i, h_shr_r64_i, h_shl_r64_i, h_sar_r64_i };
	unsigned n = i->imm & (i->os == 8 ? 63 : 31);

	if (i->imm == 0xff || !n)	/* count in cl, or nothing to do */
		return NULL;
	i->imm = n;
	return BY_WIDTH(i, h32[i->op & 7], h64[i->op & 7]);
}

static const xhandler jcc[16] = { NULL, NULL, h_jb, h_jae, h_jz, h_jnz, h_jbe, h_ja,
				  NULL, NULL, NULL, NULL, h_jl, h_jge, h_jle, h_jg };

static void swap_offs(struct insn *i)
{
	uint8_t t = i->roff;

	i->roff = i->rmoff;
	i->rmoff = t;
}

static xhandler pick(struct insn *i)
{
	xhandler h = i->fn;
	int reg = i->mod == 3, same_stack = i->ss == i->os;
	/* fast_ea does not wrap addresses below the mode's size (67 prefixes) */
	int mem = !reg && i->as == (i->ss == 8 ? 8 : 4);

	if (h == h_jcc)
		return jcc[i->op & 15];
	if (h == h_alu_r32_r32)
		return alu_rr(i);
	if (h == h_alu_rm_r && reg && i->os == 8)
		return alu_rr(i);
	if (h == h_alu_r_rm && reg && i->os == 8) {
		xhandler f = alu_rr(i);

		if (f)
			swap_offs(i);
		return f;
	}
	if (h == h_alu_rm_i && reg)
		return alu_ri(i);
	if (h == h_test_rm_r && reg)
		return BY_WIDTH(i, h_test_r32_r32, h_test_r64_r64);
	if (h == h_test_rm_i && reg)
		return BY_WIDTH(i, h_test_r32_i, h_test_r64_i);
	if (h == h_inc && reg)
		return BY_WIDTH(i, h_inc_r32, h_inc_r64);
	if (h == h_dec && reg)
		return BY_WIDTH(i, h_dec_r32, h_dec_r64);
	if (h == h_imul_r_rm_i && reg)
		return BY_WIDTH(i, h_imul_r32_r32_i, h_imul_r64_r64_i);
	if (h == h_shift && reg)
		return shift_ri(i);
	if (h == h_mov_r_rm && mem)
		return BY_WIDTH(i, h_mov_r32_m, h_mov_r64_m);
	if (h == h_mov_rm_r && mem)
		return BY_WIDTH(i, h_mov_m_r32, h_mov_m_r64);
	if (h == h_mov_r_rm && reg && i->os == 8) {
		swap_offs(i);
		return h_mov_r64_r64;
	}
	if (h == h_mov_rm_r && reg && i->os == 8)
		return h_mov_r64_r64;
	if (h == h_mov_r_i)
		return BY_WIDTH(i, h_mov_r32_i, h_mov_r64_i);
	if (h == h_lea && mem)
		return BY_WIDTH(i, h_lea_r32, h_lea_r64);
	if (h == h_push_r && same_stack)
		return BY_WIDTH(i, h_push_r32, h_push_r64);
	if (h == h_pop_r && same_stack)
		return BY_WIDTH(i, h_pop_r32, h_pop_r64);
	if (h == h_call && same_stack)
		return BY_WIDTH(i, h_call32, h_call64);
	if (h == h_ret && same_stack && !i->imm)
		return BY_WIDTH(i, h_ret32, h_ret64);
	return NULL;
}

void insn_fast(struct insn *i)
{
	xhandler f = pick(i);

	if (f)
		i->fn = f;
}
