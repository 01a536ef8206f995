/*
 * The decoder: bytes -> struct insn (handler + operands), run once per
 * instruction when a block is built.  Prefixes, then the opcode maps: a
 * table of per-opcode shapes (modrm, byte size, immediate) and a switch that
 * picks the handler.  In 64-bit mode a REX byte right before the opcode
 * widens reg/rm/base/index to 4 bits and the operand to 64 bits; stack
 * operations and near branches default to 64 bits there.
 */
#include "exec.h"

static uint8_t fetch8(struct fetcher *f, struct insn *i)
{
	unsigned k = i->len;
	uint8_t b;

	if (f->fail || k >= 15) {
		f->fail |= k >= 15 ? 2 : 1;
		return 0;
	}
	if (k < f->avail) {
		b = f->p[k];
	} else if (k - f->avail < f->avail2) {
		b = f->p2[k - f->avail];
		f->crossed = 1;
	} else {
		f->fail = 1;
		return 0;
	}
	i->bytes[k] = b;
	i->len++;
	return b;
}

static uint64_t fetchn(struct fetcher *f, struct insn *i, unsigned n)
{
	uint64_t v = 0;

	for (unsigned k = 0; k < n; k++)
		v |= (uint64_t)fetch8(f, i) << (8 * k);
	return v;
}

static uint64_t sext(uint64_t v, unsigned bytes)
{
	unsigned sh = 64 - 8 * bytes;

	return (uint64_t)((int64_t)(v << sh) >> sh);
}

/* Byte offset of register n in gpr[] at a given size (ah-bh without REX). */
static uint8_t reg_off(unsigned n, unsigned size, unsigned rex)
{
	if (size == 1 && n >= 4 && n < 8 && !rex)
		return (n - 4) * 8 + 1;
	return n * 8;
}

/* A base register that stands for "the next instruction's rip": the
 * decoder turns it into an absolute displacement once the length is known. */
#define RIPREL 0xfe

static inline int long64(const struct insn *i)
{
	return i->ss == 8;
}

/* Stack operations and near branches: 64 bits in 64-bit mode unless 66. */
static void os64(struct insn *i)
{
	if (long64(i))
		i->os = i->os == 2 ? 2 : 8;
}

static void modrm(struct fetcher *f, struct insn *i, int seg_override)
{
	uint8_t m = fetch8(f, i);
	unsigned rm, rx = i->rex;
	int ss_default = 0;

	i->mod = m >> 6;
	i->reg = ((m >> 3) & 7) | (rx & 4 ? 8 : 0);
	rm = m & 7;
	i->rm = rm | (rx & 1 ? 8 : 0);
	i->base = i->index = NOREG;
	if (i->mod == 3)
		return;
	if (i->as == 2) {
		static const uint8_t b16[8] = { RBX, RBX, RBP, RBP, NOREG, NOREG, RBP, RBX };
		static const uint8_t x16[8] = { RSI, RDI, RSI, RDI, RSI, RDI, NOREG, NOREG };

		i->base = b16[rm];
		i->index = x16[rm];
		if (i->index != NOREG && i->base == NOREG) {	/* [si], [di] */
			i->base = i->index;
			i->index = NOREG;
		}
		if (i->mod == 0 && rm == 6) {
			i->base = NOREG;
			i->disp = (int16_t)fetchn(f, i, 2);
		} else if (i->mod == 1) {
			i->disp = (int8_t)fetch8(f, i);
		} else if (i->mod == 2) {
			i->disp = (int16_t)fetchn(f, i, 2);
		}
		ss_default = i->base == RBP;
	} else {
		if (rm == 4) {
			uint8_t sib = fetch8(f, i);
			unsigned x = ((sib >> 3) & 7) | (rx & 2 ? 8 : 0);

			i->scale = sib >> 6;
			i->index = x == 4 ? NOREG : x;
			i->base = (sib & 7) | (rx & 1 ? 8 : 0);
			if ((sib & 7) == RBP && i->mod == 0) {
				i->base = NOREG;
				i->disp = (int32_t)fetchn(f, i, 4);
			}
		} else if (rm == 5 && i->mod == 0) {
			i->disp = (int32_t)fetchn(f, i, 4);
			if (long64(i))
				i->base = RIPREL;
		} else {
			i->base = i->rm;
		}
		if (i->mod == 1)
			i->disp = (int8_t)fetch8(f, i);
		else if (i->mod == 2)
			i->disp = (int32_t)fetchn(f, i, 4);
		ss_default = i->base == RSP || i->base == RBP;
	}
	i->seg = seg_override >= 0 ? seg_override : ss_default ? SEG_SS : SEG_DS;
}

/* Register offsets for the operand size, once it is known. */
static void offs(struct insn *i, unsigned size)
{
	i->roff = reg_off(i->reg, size, i->rex);
	i->rmoff = reg_off(i->rm, size, i->rex);
}

/* An "immediate of operand size": 2 or 4 bytes, sign-extended to 64. */
static uint64_t immz(struct fetcher *f, struct insn *i)
{
	unsigned n = i->os == 2 ? 2 : 4;

	return sext(fetchn(f, i, n), n);
}

/* n: 1, or the operand size (2, 4, or 8 which takes a 4-byte displacement). */
static void rel(struct fetcher *f, struct insn *i, unsigned n)
{
	int64_t d;

	n = n == 8 ? 4 : n;
	d = sext(fetchn(f, i, n), n);
	/* target computed once; the ip wraps at the operand size */
	i->imm = (i->ip + i->len + d) & size_mask(long64(i) ? 8 : i->os == 2 ? 2 : 4);
}

/* Opcodes that 64-bit mode took away. */
static int gone64(struct insn *i)
{
	if (!long64(i))
		return 0;
	i->fn = h_ud;
	return 1;
}

static const xhandler grp3[8] = { h_test_rm_i, h_test_rm_i, h_not, h_neg, h_mul, h_imul1, h_div, h_idiv };

static void one_byte(struct fetcher *f, struct insn *i, uint8_t b, int seg)
{
	unsigned v = i->os;

	i->opc = b;
	if (b < 0x40 && (b & 7) < 6) {			/* the ALU block */
		i->op = b >> 3;
		switch (b & 7) {
		case 0: case 1:
			i->os = b & 1 ? v : 1;
			modrm(f, i, seg);
			offs(i, i->os);
			i->fn = h_alu_rm_r;
			if (i->mod == 3 && i->os == 4)
				i->fn = h_alu_r32_r32;
			return;
		case 2: case 3:
			i->os = b & 1 ? v : 1;
			modrm(f, i, seg);
			offs(i, i->os);
			i->fn = h_alu_r_rm;
			if (i->mod == 3 && i->os == 4) {	/* same as rm,r with the roles swapped */
				uint8_t t = i->roff;
				i->roff = i->rmoff;
				i->rmoff = t;
				i->fn = h_alu_r32_r32;
			}
			return;
		default:
			i->os = b & 1 ? v : 1;
			i->mod = 3;
			i->rm = RAX;
			offs(i, i->os);
			i->imm = i->os == 1 ? fetch8(f, i) : immz(f, i);
			i->fn = h_alu_rm_i;
			return;
		}
	}
	switch (b) {
	case 0x06: case 0x0e: case 0x16: case 0x1e:
		if (gone64(i))
			return;
		i->op = b >> 3;
		i->fn = h_push_sreg;
		return;
	case 0x07: case 0x17: case 0x1f:
		if (gone64(i))
			return;
		i->op = b >> 3;
		i->fn = h_pop_sreg;
		return;
	case 0x40 ... 0x4f:
		i->mod = 3;
		i->rm = b & 7;
		offs(i, v);
		i->fn = b < 0x48 ? h_inc : h_dec;
		return;
	case 0x50 ... 0x57:
		os64(i);
		i->reg = (b & 7) | (i->rex & 1 ? 8 : 0);
		offs(i, i->os);
		i->fn = h_push_r;
		return;
	case 0x58 ... 0x5f:
		os64(i);
		i->reg = (b & 7) | (i->rex & 1 ? 8 : 0);
		offs(i, i->os);
		i->fn = h_pop_r;
		return;
	case 0x60:
		if (!gone64(i))
			i->fn = h_pusha;
		return;
	case 0x61:
		if (!gone64(i))
			i->fn = h_popa;
		return;
	case 0x63:
		if (!long64(i)) {
			i->fn = h_unimpl;	/* arpl */
			return;
		}
		modrm(f, i, seg);	/* movsxd */
		offs(i, v);
		i->rmoff = reg_off(i->rm, 4, i->rex);
		i->op = 4;
		i->fn = h_movsx;
		return;
	case 0x68:
		os64(i);
		i->imm = immz(f, i);
		i->fn = h_push_i;
		return;
	case 0x6a:
		os64(i);
		i->imm = sext(fetch8(f, i), 1);
		i->fn = h_push_i;
		return;
	case 0x69: case 0x6b:
		modrm(f, i, seg);
		offs(i, v);
		i->imm = b == 0x69 ? immz(f, i) : sext(fetch8(f, i), 1);
		i->fn = h_imul_r_rm_i;
		return;
	case 0x6c: case 0x6d:
		i->op = b & 1 ? (v == 8 ? 4 : v) : 1;
		i->fn = h_ins;
		return;
	case 0x6e: case 0x6f:
		i->op = b & 1 ? (v == 8 ? 4 : v) : 1;
		i->seg = seg >= 0 ? seg : SEG_DS;
		i->fn = h_outs;
		return;
	case 0x70 ... 0x7f:
		i->op = b & 15;
		rel(f, i, 1);
		i->fn = h_jcc;
		return;
	case 0x80: case 0x81: case 0x82: case 0x83:
		if (b == 0x82 && gone64(i))
			return;
		i->os = b & 1 ? v : 1;
		modrm(f, i, seg);
		offs(i, i->os);
		i->op = i->reg;
		i->imm = b == 0x81 ? immz(f, i) : sext(fetch8(f, i), 1);
		i->fn = h_alu_rm_i;
		return;
	case 0x84: case 0x85:
		i->os = b & 1 ? v : 1;
		modrm(f, i, seg);
		offs(i, i->os);
		i->fn = h_test_rm_r;
		return;
	case 0x86: case 0x87:
		i->os = b & 1 ? v : 1;
		modrm(f, i, seg);
		offs(i, i->os);
		i->fn = h_xchg;
		return;
	case 0x88: case 0x89:
		i->os = b & 1 ? v : 1;
		modrm(f, i, seg);
		offs(i, i->os);
		i->fn = i->mod == 3 && i->os == 4 ? h_mov_r32_r32 : h_mov_rm_r;
		return;
	case 0x8a: case 0x8b:
		i->os = b & 1 ? v : 1;
		modrm(f, i, seg);
		offs(i, i->os);
		i->fn = i->mod == 3 && i->os == 4 ? h_mov_r32_r32 : h_mov_r_rm;
		if (i->fn == h_mov_r32_r32) {
			uint8_t t = i->roff;	/* r32_r32 moves rmoff <- roff; here reg <- rm */
			i->roff = i->rmoff;
			i->rmoff = t;
		}
		return;
	case 0x8c:
		modrm(f, i, seg);
		i->os = i->mod == 3 ? v : 2;
		offs(i, i->os);
		i->fn = i->reg < 6 ? h_mov_rm_sreg : h_ud;
		return;
	case 0x8d:
		modrm(f, i, seg);
		offs(i, v);
		i->fn = i->mod == 3 ? h_ud : h_lea;
		return;
	case 0x8e:
		modrm(f, i, seg);
		i->os = 2;
		offs(i, 2);
		i->fn = i->reg < 6 && i->reg != SEG_CS ? h_mov_sreg_rm : h_ud;
		return;
	case 0x8f:
		os64(i);
		modrm(f, i, seg);
		offs(i, i->os);
		i->fn = i->reg == 0 ? h_pop_rm : h_ud;
		return;
	case 0x90 ... 0x97:
		if (b == 0x90 && !(i->rex & 1)) {
			i->fn = h_nop;	/* also pause (f3 90) */
			return;
		}
		i->mod = 3;
		i->reg = RAX;
		i->rm = (b & 7) | (i->rex & 1 ? 8 : 0);
		offs(i, v);
		i->fn = h_xchg;
		return;
	case 0x98:
		i->fn = h_cbw;
		return;
	case 0x99:
		i->fn = h_cwd;
		return;
	case 0x9a:
		if (gone64(i))
			return;
		i->imm = fetchn(f, i, v);
		i->imm2 = fetchn(f, i, 2);
		i->fn = h_call_far;
		return;
	case 0x9b:
		i->fn = h_fwait;
		return;
	case 0x9c:
		os64(i);
		i->fn = h_pushf;
		return;
	case 0x9d:
		os64(i);
		i->fn = h_popf;
		return;
	case 0x9e:
		i->fn = h_sahf;
		return;
	case 0x9f:
		i->fn = h_lahf;
		return;
	case 0xa0 ... 0xa3:
		i->os = b & 1 ? v : 1;
		i->imm = fetchn(f, i, i->as);
		i->seg = seg >= 0 ? seg : SEG_DS;
		i->fn = b < 0xa2 ? h_mov_a_moffs : h_mov_moffs_a;
		return;
	case 0xa4 ... 0xa7: case 0xaa ... 0xaf:
		i->os = b & 1 ? v : 1;
		i->op = i->os;
		i->seg = seg >= 0 ? seg : SEG_DS;
		switch (b & ~1) {
		case 0xa4: i->fn = h_movs; break;
		case 0xa6: i->fn = h_cmps; break;
		case 0xaa: i->fn = h_stos; break;
		case 0xac: i->fn = h_lods; break;
		default: i->fn = h_scas; break;
		}
		return;
	case 0xa8: case 0xa9:
		i->os = b & 1 ? v : 1;
		i->mod = 3;
		i->rm = RAX;
		offs(i, i->os);
		i->imm = i->os == 1 ? fetch8(f, i) : immz(f, i);
		i->fn = h_test_rm_i;
		return;
	case 0xb0 ... 0xb7:
		i->os = 1;
		i->reg = (b & 7) | (i->rex & 1 ? 8 : 0);
		offs(i, 1);
		i->imm = fetch8(f, i);
		i->fn = h_mov_r_i;
		return;
	case 0xb8 ... 0xbf:
		i->reg = (b & 7) | (i->rex & 1 ? 8 : 0);
		offs(i, v);
		i->imm = fetchn(f, i, v);
		i->fn = h_mov_r_i;
		return;
	case 0xc0: case 0xc1: case 0xd0 ... 0xd3:
		i->os = b & 1 ? v : 1;
		modrm(f, i, seg);
		offs(i, i->os);
		i->op = i->reg;
		i->imm = b < 0xd0 ? fetch8(f, i) : b < 0xd2 ? 1 : 0xff;
		i->fn = h_shift;
		return;
	case 0xc2:
		os64(i);
		i->imm = fetchn(f, i, 2);
		i->fn = h_ret;
		return;
	case 0xc3:
		os64(i);
		i->fn = h_ret;
		return;
	case 0xc4: case 0xc5:
		if (gone64(i))		/* VEX prefixes there: no AVX */
			return;
		modrm(f, i, seg);
		offs(i, v);
		i->op = b == 0xc4 ? SEG_ES : SEG_DS;
		i->fn = i->mod == 3 ? h_ud : h_lfar;
		return;
	case 0xc6: case 0xc7:
		i->os = b & 1 ? v : 1;
		modrm(f, i, seg);
		offs(i, i->os);
		i->imm = i->os == 1 ? fetch8(f, i) : immz(f, i);
		i->fn = i->reg == 0 ? h_mov_rm_i : h_ud;
		return;
	case 0xc8:
		os64(i);
		i->imm = fetchn(f, i, 2);
		i->imm2 = fetch8(f, i);
		i->fn = h_enter;
		return;
	case 0xc9:
		os64(i);
		i->fn = h_leave;
		return;
	case 0xca:
		i->imm = fetchn(f, i, 2);
		i->fn = h_retf;
		return;
	case 0xcb:
		i->fn = h_retf;
		return;
	case 0xcc:
		i->fn = h_int3;
		return;
	case 0xcd:
		i->imm = fetch8(f, i);
		i->fn = h_int;
		return;
	case 0xce:
		if (!gone64(i))
			i->fn = h_into;
		return;
	case 0xcf:
		i->fn = h_iret;
		return;
	case 0xd7:
		i->seg = seg >= 0 ? seg : SEG_DS;
		i->fn = h_xlat;
		return;
	case 0xe0 ... 0xe2:
		i->op = b & 3;
		rel(f, i, 1);
		i->fn = h_loop;
		return;
	case 0xe3:
		rel(f, i, 1);
		i->fn = h_jcxz;
		return;
	case 0xe4: case 0xe5: case 0xec: case 0xed:
	case 0xe6: case 0xe7: case 0xee: case 0xef:
		i->os = b & 1 ? (v == 8 ? 4 : v) : 1;
		i->imm = b & 8 ? 0x10000 : fetch8(f, i);	/* 0x10000: the port is dx */
		i->fn = b & 2 ? h_out : h_in;
		return;
	case 0xe8:
		os64(i);
		rel(f, i, i->os);
		i->fn = h_call;
		return;
	case 0xe9:
		os64(i);
		rel(f, i, i->os);
		i->fn = h_jmp;
		return;
	case 0xea:
		if (gone64(i))
			return;
		i->imm = fetchn(f, i, v);
		i->imm2 = fetchn(f, i, 2);
		i->fn = h_jmp_far;
		return;
	case 0xeb:
		rel(f, i, 1);
		i->fn = h_jmp;
		return;
	case 0xf4:
		i->fn = h_hlt;
		return;
	case 0xf5:
		i->fn = h_cmc;
		return;
	case 0xf6: case 0xf7:
		i->os = b & 1 ? v : 1;
		modrm(f, i, seg);
		offs(i, i->os);
		i->fn = grp3[i->reg];
		if (i->reg < 2)
			i->imm = i->os == 1 ? fetch8(f, i) : immz(f, i);
		return;
	case 0xf8: i->fn = h_clc; return;
	case 0xf9: i->fn = h_stc; return;
	case 0xfa: i->fn = h_cli; return;
	case 0xfb: i->fn = h_sti; return;
	case 0xfc: i->fn = h_cld; return;
	case 0xfd: i->fn = h_std; return;
	case 0xfe:
		i->os = 1;
		modrm(f, i, seg);
		offs(i, 1);
		i->fn = i->reg == 0 ? h_inc : i->reg == 1 ? h_dec : h_ud;
		return;
	case 0xff:
		modrm(f, i, seg);
		if (i->reg == 2 || i->reg == 4 || i->reg == 6)
			os64(i);
		offs(i, i->os);
		switch (i->reg) {
		case 0: i->fn = h_inc; break;
		case 1: i->fn = h_dec; break;
		case 2: i->fn = h_call_rm; break;
		case 3: i->fn = i->mod == 3 ? h_ud : h_call_far_m; break;
		case 4: i->fn = h_jmp_rm; break;
		case 5: i->fn = i->mod == 3 ? h_ud : h_jmp_far_m; break;
		case 6: i->fn = h_push_rm; break;
		default: i->fn = h_ud; break;
		}
		return;
	case 0xd8 ... 0xdf:
		modrm(f, i, seg);
		i->fn = h_x87;
		return;
	case 0xf1:
		i->fn = h_icebp;
		return;
	default:
		/* daa das aaa aas bound aam aad: gone in 64-bit mode; salc is #UD everywhere */
		if (!gone64(i))
			i->fn = b == 0xd6 ? h_ud : h_unimpl;
		return;
	}
}

static void two_byte(struct fetcher *f, struct insn *i, uint8_t b, int seg)
{
	unsigned v = i->os;

	i->opc = b;
	switch (b) {
	case 0x00:
		modrm(f, i, seg);
		offs(i, v);
		switch (i->reg) {
		case 0: case 1: i->fn = h_sldt_str; break;
		case 2: case 3: i->fn = h_lldt_ltr; break;
		case 4: case 5: i->fn = h_verr_verw; break;
		default: i->fn = h_ud; break;
		}
		return;
	case 0x01:
		modrm(f, i, seg);
		offs(i, v);
		/*
		 * With mod 3 the rest of this group is VMX, SVM, SGX, TSX, PKU
		 * and AMD's monitorx, mwaitx, clzero, rdpru, invlpgb, tlbsync:
		 * cpuid advertises none of them, so they are #UD as on a CPU
		 * without them.
		 */
		switch (i->reg) {
		case 0: i->fn = i->mod != 3 ? h_sgdt : (i->rm & 7) == 1 ? h_vmcall : h_ud; break;
		case 1:
			if (i->mod != 3)
				i->fn = h_sgdt;
			else if ((i->rm & 7) == 2 || (i->rm & 7) == 3)
				i->fn = h_clac_stac;	/* 0f 01 ca / cb */
			else if ((i->rm & 7) <= 1) {
				i->fn = h_monitor_mwait;	/* 0f 01 c8 / c9: monitor uses seg:rax */
				if (seg >= 0)
					i->seg = seg;
			}
			else
				i->fn = h_ud;
			break;
		case 2:
			if (i->mod != 3)
				i->fn = h_lgdt;
			else
				i->fn = (i->rm & 7) <= 1 ? h_xgetbv_xsetbv : h_ud;	/* 0f 01 d0 / d1 */
			break;
		case 3: i->fn = i->mod != 3 ? h_lgdt : (i->rm & 7) == 1 ? h_vmcall : h_ud; break;
		case 4: i->fn = h_smsw; break;
		case 6: i->fn = h_lmsw; break;
		case 7:
			if (i->mod != 3)
				i->fn = h_invlpg;
			else if ((i->rm & 7) == 0)
				i->fn = long64(i) ? h_swapgs : h_ud;
			else if ((i->rm & 7) == 1)
				i->fn = h_rdtscp;
			else
				i->fn = h_ud;
			break;
		default: i->fn = h_ud; break;
		}
		return;
	case 0x33:
		i->fn = h_rdpmc;
		return;
	case 0x38:
		i->opc = fetch8(f, i);
		modrm(f, i, seg);
		/* 66 0f 38 82: invpcid; the rest of this map is SIMD, MOVBE, ... */
		i->fn = i->opc == 0x82 && i->p66 && !i->rep ? (i->mod == 3 ? h_ud : h_invpcid) : h_unimpl;
		return;
	case 0xae:
		modrm(f, i, seg);
		offs(i, v);
		if (i->mod == 3) {
			/* lfence, mfence, sfence: one vcpu runs one instruction at a time, in order */
			if (i->reg >= 5 && !i->p66 && !i->rep)
				i->fn = h_nop;
			else if (i->rep == REP_E && i->reg <= 3)
				i->fn = h_ud;	/* rd/wr fs/gs base: FSGSBASE is not advertised */
			else
				i->fn = h_unimpl;
		} else if (!i->rep && (i->reg == 7 || (i->reg == 6 && i->p66))) {
			i->fn = h_clflush;	/* clflush, 66: clflushopt (/7) and clwb (/6) */
		} else {
			i->fn = h_unimpl;	/* fxsave, fxrstor, ldmxcsr, stmxcsr, xsave ... */
		}
		return;
	case 0x05:
		i->fn = h_syscall;
		return;
	case 0x07:
		i->fn = h_sysret;
		return;
	case 0x34:
		i->fn = h_sysenter;
		return;
	case 0x35:
		i->fn = h_sysexit;
		return;
	case 0x30:
		i->fn = h_wrmsr;
		return;
	case 0x32:
		i->fn = h_rdmsr;
		return;
	case 0x06:
		i->fn = h_clts;
		return;
	case 0x08: case 0x09:
		i->fn = h_invd;
		return;
	case 0x0b: case 0xb9: case 0xff:
		if (b != 0x0b)
			modrm(f, i, seg);
		i->fn = h_ud;
		return;
	case 0x0d: case 0x18 ... 0x1f:
		modrm(f, i, seg);	/* prefetch and hint nops */
		i->fn = h_nop;
		return;
	case 0x20: case 0x21: case 0x22: case 0x23: {
		uint8_t m = fetch8(f, i);	/* always a register operand, whatever mod says */

		i->mod = 3;
		i->reg = ((m >> 3) & 7) | (i->rex & 4 ? 8 : 0);
		i->rm = (m & 7) | (i->rex & 1 ? 8 : 0);
		i->os = long64(i) ? 8 : 4;
		i->rmoff = reg_off(i->rm, 4, i->rex);
		i->fn = b == 0x20 ? h_mov_r_cr : b == 0x22 ? h_mov_cr_r : b == 0x21 ? h_mov_r_dr : h_mov_dr_r;
		return;
	}
	case 0x31:
		i->fn = h_rdtsc;
		return;
	case 0x40 ... 0x4f:
		i->op = b & 15;
		modrm(f, i, seg);
		offs(i, v);
		i->fn = h_cmovcc;
		return;
	case 0x80 ... 0x8f:
		i->op = b & 15;
		rel(f, i, v);
		i->fn = h_jcc;
		return;
	case 0x90 ... 0x9f:
		i->op = b & 15;
		i->os = 1;
		modrm(f, i, seg);
		offs(i, 1);
		i->fn = h_setcc;
		return;
	case 0xa0: case 0xa8:
		os64(i);
		i->op = b == 0xa0 ? SEG_FS : SEG_GS;
		i->fn = h_push_sreg;
		return;
	case 0xa1: case 0xa9:
		os64(i);
		i->op = b == 0xa1 ? SEG_FS : SEG_GS;
		i->fn = h_pop_sreg;
		return;
	case 0xa2:
		i->fn = h_cpuid;
		return;
	case 0xa3: case 0xab: case 0xb3: case 0xbb:
		i->op = (b >> 3) & 3;	/* 0 bt 1 bts 2 btr 3 btc */
		modrm(f, i, seg);
		offs(i, v);
		i->fn = h_bt_r;
		return;
	case 0xa4: case 0xa5: case 0xac: case 0xad:
		modrm(f, i, seg);
		offs(i, v);
		i->imm = b & 1 ? 0xff : fetch8(f, i);
		i->fn = b < 0xa8 ? h_shld : h_shrd;
		return;
	case 0xaf:
		modrm(f, i, seg);
		offs(i, v);
		i->fn = h_imul_r_rm;
		return;
	case 0xb0: case 0xb1:
		i->os = b & 1 ? v : 1;
		modrm(f, i, seg);
		offs(i, i->os);
		i->fn = h_cmpxchg;
		return;
	case 0xb2: case 0xb4: case 0xb5:
		modrm(f, i, seg);
		offs(i, v);
		i->op = b == 0xb2 ? SEG_SS : b == 0xb4 ? SEG_FS : SEG_GS;
		i->fn = i->mod == 3 ? h_ud : h_lfar;
		return;
	case 0xb6: case 0xb7: case 0xbe: case 0xbf:
		modrm(f, i, seg);
		i->op = b & 1 ? 2 : 1;		/* source size */
		i->roff = reg_off(i->reg, v, i->rex);
		i->rmoff = reg_off(i->rm, i->op, i->rex);
		i->fn = b < 0xb8 ? h_movzx : h_movsx;
		return;
	case 0xba:
		modrm(f, i, seg);
		offs(i, v);
		i->op = i->reg & 3;
		i->imm = fetch8(f, i);
		i->fn = i->reg >= 4 ? h_bt_i : h_ud;
		return;
	case 0xb8:
		modrm(f, i, seg);
		offs(i, v);
		i->fn = i->rep == REP_E ? h_popcnt : h_ud;	/* jmpe without f3 */
		return;
	case 0xbc: case 0xbd:
		modrm(f, i, seg);
		offs(i, v);
		if (i->rep == REP_E)
			i->fn = b == 0xbc ? h_tzcnt : h_lzcnt;
		else
			i->fn = b == 0xbc ? h_bsf : h_bsr;
		return;
	case 0xc0: case 0xc1:
		i->os = b & 1 ? v : 1;
		modrm(f, i, seg);
		offs(i, i->os);
		i->fn = h_xadd;
		return;
	case 0xc7:
		modrm(f, i, seg);
		i->fn = i->reg == 1 && i->mod != 3 ? h_cmpxchg8b : h_ud;
		return;
	case 0xc8 ... 0xcf:
		i->reg = (b & 7) | (i->rex & 1 ? 8 : 0);
		offs(i, v);
		i->fn = h_bswap;
		return;
	default:
		i->fn = h_unimpl;
		return;
	}
}

/*
 * lock is allowed only on the read-modify-write instructions with a memory
 * destination (add adc and btc btr bts cmpxchg cmpxchg8b dec inc neg not
 * or sbb sub xor xadd xchg); anywhere else it is #UD.
 */
static int lockable(const struct insn *i)
{
	xhandler h = i->fn;

	if (i->mod == 3)
		return 0;
	if (h == h_alu_rm_r || h == h_alu_rm_i)
		return i->op != 7;	/* cmp */
	if (h == h_bt_r || h == h_bt_i)
		return i->op != 0;	/* bt */
	return h == h_not || h == h_neg || h == h_inc || h == h_dec || h == h_cmpxchg ||
	       h == h_cmpxchg8b || h == h_xadd || h == h_xchg;
}

int x86_decode(struct fetcher *f, uint32_t mode, uint64_t eip, struct insn *i)
{
	int seg = -1, lm = mode & MODE_LONG, lock = 0;
	uint8_t b, rex = 0;

	memset(i, 0, sizeof(*i));
	i->ip = eip;
	i->os = i->as = mode & MODE_OP32 ? 4 : 2;
	i->ss = mode & MODE_STK32 ? 4 : 2;
	if (lm) {
		i->os = 4;
		i->as = i->ss = 8;
	}
	i->seg = SEG_DS;
	i->base = i->index = NOREG;
	for (;;) {
		b = fetch8(f, i);
		if (f->fail)
			break;
		if (lm && (b & 0xf0) == 0x40) {	/* REX: counts only right before the opcode */
			rex = b;
			continue;
		}
		switch (b) {
		case 0x66: i->os = (mode & MODE_OP32) ? 2 : 4; i->p66 = 1; break;
		case 0x67: i->as = lm ? 4 : (mode & MODE_OP32) ? 2 : 4; break;
		case 0x26: seg = SEG_ES; break;
		case 0x2e: seg = SEG_CS; break;
		case 0x36: seg = SEG_SS; break;
		case 0x3e: seg = SEG_DS; break;
		case 0x64: seg = SEG_FS; break;
		case 0x65: seg = SEG_GS; break;
		case 0xf0: lock = 1; break;	/* atomic anyway: one vcpu executes an instruction at a time */
		case 0xf2: i->rep = REP_NE; break;
		case 0xf3: i->rep = REP_E; break;
		default: goto opcode;
		}
		rex = 0;
	}
opcode:
	i->rex = rex;
	if (rex & 8)
		i->os = 8;
	if (!f->fail) {
		if (b == 0x0f)
			two_byte(f, i, fetch8(f, i), seg);
		else
			one_byte(f, i, b, seg);
	}
	if (lock && !f->fail && !lockable(i))
		i->fn = h_ud;
	if (f->fail == 2) {		/* longer than 15 bytes: #GP, as the CPU does */
		f->fail = 0;
		i->fn = h_gp;
		i->len = 15;
	}
	if (f->fail)
		return -1;
	i->next = (eip + i->len) & size_mask(lm ? 8 : mode & MODE_OP32 ? 4 : 2);
	if (i->base == RIPREL) {
		i->base = NOREG;
		i->disp = (i->next + i->disp) & size_mask(i->as);
	}
	return 0;
}

int insn_ends_block(const struct insn *i)
{
	xhandler h = i->fn;

	return h == h_jcc || h == h_jmp || h == h_jmp_rm || h == h_call || h == h_call_rm ||
	       h == h_ret || h == h_retf || h == h_loop || h == h_jcxz || h == h_jmp_far ||
	       h == h_jmp_far_m || h == h_call_far || h == h_call_far_m || h == h_int ||
	       h == h_int3 || h == h_into || h == h_iret || h == h_hlt || h == h_sti ||
	       h == h_popf || h == h_mov_sreg_rm || h == h_pop_sreg || h == h_lfar ||
	       h == h_mov_cr_r || h == h_lmsw || h == h_clts || h == h_lgdt || h == h_invlpg ||
	       h == h_ud || h == h_gp || h == h_unimpl || h == h_syscall || h == h_sysret ||
	       h == h_sysenter || h == h_sysexit || h == h_wrmsr || h == h_lldt_ltr || h == h_swapgs ||
	       h == h_mov_dr_r || h == h_cmpxchg8b || h == h_invpcid || h == h_icebp ||
	       h == h_monitor_mwait || h == h_xgetbv_xsetbv;
}
