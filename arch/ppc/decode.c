/*
 * The decoder: one instruction word into a handler and its operands.  It
 * runs once per instruction per decoded page (op_decode is the handler of
 * a slot that was never decoded, or whose page was written since).
 */
#include <stdio.h>
#include <string.h>

#include "insn.h"
#include "vmm/vcpu.h"

OP(illegal)
{
	(void)o;
	return ppc_program(c, ESR_PIL);
}

static uint32_t rot_mask(unsigned mb, unsigned me)
{
	uint32_t a = 0xffffffffu >> mb, b = 0xffffffffu << (31 - me);

	return mb <= me ? a & b : a | b;
}

/* Opcode 31, XO-form arithmetic (9-bit extended opcode, OE above it). */
static op_fn arith31(unsigned xo9)
{
	switch (xo9) {
	case 8: return op_subfc;
	case 10: return op_addc;
	case 11: return op_mulhwu;
	case 40: return op_subf;
	case 75: return op_mulhw;
	case 104: return op_neg;
	case 136: return op_subfe;
	case 138: return op_adde;
	case 200: return op_subfze;
	case 202: return op_addze;
	case 232: return op_subfme;
	case 234: return op_addme;
	case 235: return op_mullw;
	case 266: return op_add;
	case 459: return op_divwu;
	case 491: return op_divw;
	}
	return NULL;
}

static op_fn x31(struct op *o, unsigned xo)
{
	op_fn f;

	if ((xo & 0x1f) == 15) {		/* isel: BC in the rc slot */
		o->rc = (o->insn >> 6) & 0x1f;
		return op_isel;
	}
	if ((f = arith31(xo & 0x1ff))) {
		o->aux = (xo >> 9) & 1;		/* OE */
		if (!o->aux && !o->rc && f == op_add)
			return op_add_plain;
		if (!o->aux && !o->rc && f == op_subf)
			return op_subf_plain;
		return f;
	}
	switch (xo) {
	case 0: o->rt >>= 2; return op_cmp;
	case 32: o->rt >>= 2; return op_cmpl;
	case 4: return op_tw;
	case 19: return op_mfcr;
	case 20: return op_lwarx;
	case 23: return op_lwzx;
	case 24: return op_slw;
	case 26: return op_cntlzw;
	case 28: return o->rc ? op_and : op_and_plain;
	case 54: case 86: case 982: return op_cache_probe;	/* dcbst dcbf icbi */
	case 55: return op_lwzux;
	case 60: return op_andc;
	case 78: return op_dlmzb;
	case 83: return op_mfmsr;
	case 87: return op_lbzx;
	case 119: return op_lbzux;
	case 124: return op_nor;
	case 131: return op_wrtee;
	case 144: o->aux = (o->insn >> 12) & 0xff; return op_mtcrf;
	case 146: return op_mtmsr;
	case 150: return op_stwcx;
	case 151: return op_stwx;
	case 163: return op_wrteei;
	case 183: return op_stwux;
	case 215: return op_stbx;
	case 247: return op_stbux;
	case 22: case 246: case 278: case 758: case 598: case 854: return op_nop;
	case 259: o->aux = 0; return op_mfdcr;		/* mfdcrx */
	case 323: o->aux = 1; return op_mfdcr;
	case 387: o->aux = 0; return op_mtdcr;		/* mtdcrx */
	case 451: o->aux = 1; return op_mtdcr;
	case 279: return op_lhzx;
	case 284: return op_eqv;
	case 311: return op_lhzux;
	case 316: return o->rc ? op_xor : op_xor_plain;
	case 339:
		o->aux = ((o->insn >> 16) & 0x1f) | ((o->insn >> 6) & 0x3e0);
		return o->aux == 8 ? op_mflr : o->aux == 9 ? op_mfctr : op_mfspr;
	case 343: return op_lhax;
	case 371: o->aux = ((o->insn >> 16) & 0x1f) | ((o->insn >> 6) & 0x3e0); return op_mftb;
	case 375: return op_lhaux;
	case 407: return op_sthx;
	case 412: return op_orc;
	case 439: return op_sthux;
	case 444: return o->rc ? op_or : o->rt == o->rb ? op_mr : op_or_plain;
	case 454: return op_dccci;
	case 467:
		o->aux = ((o->insn >> 16) & 0x1f) | ((o->insn >> 6) & 0x3e0);
		return o->aux == 8 ? op_mtlr : o->aux == 9 ? op_mtctr : op_mtspr;
	case 470: return op_dcbi;
	case 476: return op_nand;
	case 486: case 998: return op_cacheread;
	case 512: o->rt >>= 2; return op_mcrxr;
	case 533: return op_lswx;
	case 534: return op_lwbrx;
	case 535: return op_lfsx;
	case 536: return op_srw;
	case 566: return op_tlbsync;
	case 567: return op_lfsux;
	case 597: return op_lswi;
	case 599: return op_lfdx;
	case 631: return op_lfdux;
	case 661: return op_stswx;
	case 662: return op_stwbrx;
	case 663: return op_stfsx;
	case 695: return op_stfsux;
	case 725: return op_stswi;
	case 727: return op_stfdx;
	case 759: return op_stfdux;
	case 786: return op_tlbivax;
	case 790: return op_lhbrx;
	case 792: return op_sraw;
	case 824: return op_srawi;
	case 914: return op_tlbsx;
	case 918: return op_sthbrx;
	case 922: return op_extsh;
	case 946: return op_tlbre;
	case 954: return op_extsb;
	case 966: return op_iccci;
	case 978: return op_tlbwe;
	case 983: return op_stfiwx;
	case 1014: return op_dcbz;
	}
	return op_illegal;
}

static op_fn x19(struct op *o, unsigned xo)
{
	switch (xo) {
	case 0: o->rt >>= 2; o->ra >>= 2; return op_mcrf;
	case 16:
		o->aux = o->rc;
		return (o->rt & 0x14) == 0x14 && !o->aux ? op_blr : op_bclr;
	case 528:
		o->aux = o->rc;
		if ((o->rt & 0x14) == 0x14)
			return o->aux ? op_bctrl : op_bctr;
		return op_bcctr;
	case 38: return op_rfmci;
	case 50: return op_rfi;
	case 51: return op_rfci;
	case 150: return op_nop;		/* isync */
	case 33: case 129: case 193: case 225: case 257: case 289: case 417: case 449:
		/* xo bits 5..8 are the operation's truth table, indexed by a * 2 + b */
		o->aux = (xo >> 5) & 0xf;
		return op_crop;
	}
	return op_illegal;
}

static op_fn fp63(struct op *o, unsigned xo)
{
	if (xo & 0x10) {			/* A-form */
		switch (xo & 0x1f) {
		case 18: case 20: case 21: case 22: case 23: case 24: case 25: case 26:
		case 28: case 29: case 30: case 31:
			o->aux = xo & 0x1f;
			return op_fp_arith;
		}
		return op_illegal;
	}
	switch (xo) {
	case 0: case 32: o->rt >>= 2; o->aux = xo; return op_fcmp;
	case 12: return op_frsp;
	case 14: case 15: o->aux = xo; return op_fctiw;
	case 38: case 70: o->aux = xo; return op_mtfsb;
	case 40: case 72: case 136: case 264: o->aux = xo; return op_fmove;
	case 64: o->rt >>= 2; o->ra >>= 2; return op_mcrfs;
	case 134: o->rt >>= 2; o->aux = (o->insn >> 12) & 0xf; return op_mtfsfi;
	case 583: return op_mffs;
	case 711: o->aux = (o->insn >> 17) & 0xff; return op_mtfsf;
	}
	return op_illegal;
}

/* The loads and stores of exec_mem.c whose address reads rA = 0 as gpr[GPR_ZERO]. */
static bool zero_ra(op_fn f)
{
	static const op_fn fns[] = {
		op_lwz, op_lbz, op_lhz, op_lha, op_stw, op_stb, op_sth,
		op_lwzx, op_lbzx, op_lhzx, op_lhax, op_lwbrx, op_lhbrx,
		op_stwx, op_stbx, op_sthx, op_stwbrx, op_sthbrx,
	};

	for (unsigned i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (f == fns[i])
			return true;
	return false;
}

void ppc_decode(struct op *o, uint32_t insn)
{
	unsigned opc = insn >> 26, xo = (insn >> 1) & 0x3ff;
	uint32_t off = o->off;		/* the slot's, kept */
	op_fn f = op_illegal;

	memset(o, 0, sizeof(*o));
	o->off = off;
	o->insn = insn;
	o->rt = (insn >> 21) & 0x1f;
	o->ra = (insn >> 16) & 0x1f;
	o->rb = (insn >> 11) & 0x1f;
	o->rc = insn & 1;
	o->imm = (int16_t)insn;

	switch (opc) {
	case 3: f = op_twi; break;
	case 4: {
		unsigned opc2 = (insn >> 1) & 0x1f;
		if (opc2 == 0x08 || opc2 == 0x0c || (opc2 == 0x0e && (insn >> 6) & 1))
			f = op_mac;
		break;
	}
	case 7: f = op_mulli; break;
	case 8: f = op_subfic; break;
	case 10: o->imm = insn & 0xffff; o->rt >>= 2; f = op_cmpli; break;
	case 11: o->rt >>= 2; f = op_cmpi; break;
	case 12: o->rc = 0; f = op_addic; break;
	case 13: o->rc = 1; f = op_addic; break;
	case 14: f = o->ra ? op_addi : op_li; break;
	case 15: f = o->ra ? op_addis : op_lis; break;
	case 16:
		o->imm = (int16_t)(insn & 0xfffc);
		o->aux = insn & 3;
		if (o->aux)
			f = op_bc;
		else if ((o->rt & 0x14) == 0x04) {
			o->rb = o->ra >> 2;
			o->rc = 8 >> (o->ra & 3);
			o->rt = o->rt & 8 ? o->rc : 0;
			f = op_bc_cr;
		}
		else if ((o->rt & 0x14) == 0x10)
			f = o->rt & 2 ? op_bdz : op_bdnz;
		else
			f = op_bc;
		break;
	case 17: if (insn & 2) f = op_sc; break;
	case 18:
		o->imm = ((int32_t)(insn << 6)) >> 6 & ~3;
		o->aux = insn & 3;
		f = o->aux == 0 ? op_b_rel : o->aux == 1 ? op_bl_rel : op_b;
		break;
	case 19: f = x19(o, xo); break;
	case 20: case 21: case 23:
		o->imm = o->rb;		/* SH */
		o->aux = rot_mask((insn >> 6) & 0x1f, (insn >> 1) & 0x1f);
		f = opc == 20 ? op_rlwimi : opc == 21 ? (o->rc ? op_rlwinm : op_rlwinm_plain) : op_rlwnm;
		break;
	case 24: o->imm = insn & 0xffff; f = op_ori; break;
	case 25: o->imm = insn & 0xffff; f = op_oris; break;
	case 26: o->imm = insn & 0xffff; f = op_xori; break;
	case 27: o->imm = insn & 0xffff; f = op_xoris; break;
	case 28: o->imm = insn & 0xffff; o->rc = 1; f = op_andi; break;
	case 29: o->imm = insn & 0xffff; o->rc = 1; f = op_andis; break;
	case 31: f = x31(o, xo); break;
	case 32: f = op_lwz; break;
	case 33: f = op_lwzu; break;
	case 34: f = op_lbz; break;
	case 35: f = op_lbzu; break;
	case 36: f = op_stw; break;
	case 37: f = op_stwu; break;
	case 38: f = op_stb; break;
	case 39: f = op_stbu; break;
	case 40: f = op_lhz; break;
	case 41: f = op_lhzu; break;
	case 42: f = op_lha; break;
	case 43: f = op_lhau; break;
	case 44: f = op_sth; break;
	case 45: f = op_sthu; break;
	case 46: f = op_lmw; break;
	case 47: f = op_stmw; break;
	case 48: f = op_lfs; break;
	case 49: f = op_lfsu; break;
	case 50: f = op_lfd; break;
	case 51: f = op_lfdu; break;
	case 52: f = op_stfs; break;
	case 53: f = op_stfsu; break;
	case 54: f = op_stfd; break;
	case 55: f = op_stfdu; break;
	case 59:
		switch (xo & 0x1f) {
		case 18: case 20: case 21: case 22: case 24: case 25: case 28: case 29:
		case 30: case 31:
			o->aux = (xo & 0x1f) | 0x100;	/* single precision */
			f = op_fp_arith;
		}
		break;
	case 63: f = fp63(o, xo); break;
	}
	o->fn = f;
	if (!o->ra && zero_ra(f))
		o->ra = GPR_ZERO;
	/* a relative branch (not AA) whose target is in the page */
	o->link = NO_LINK;
	if ((opc == 16 || opc == 18) && !(insn & 2) && off + o->imm < 4096)
		o->link = o->imm / 4 * (int32_t)sizeof(struct op);
}

int op_decode(struct ppc *c, struct op *o)
{
	struct code_page *cp = c->cur_cp;

	ppc_decode(o, be32(cp->host + o->off));
	if (!cp->ndecoded++) {
		/* the page holds code now: its stores must come through the slow path */
		soft_flush_writes(c);
		c->code_any = true;
	}
	PSTAT(c, CODE_DECODE);
	return o->fn(c, o);
}

int ppc_internal_error(struct ppc *c, const char *why)
{
	struct vcpu_exit *e = &c->v->exit;
	uint32_t insn = 0;

	vcpu_set_exit(c->v, EXIT_INTERNAL_ERROR);
	e->internal.suberror = 1;
	e->internal.addr = c->pc;
	if (c->cur_cp) {
		insn = be32(c->cur_cp->host + (c->pc & 0xffc));
		e->internal.nbytes = 4;
		put_be32(e->internal.bytes, insn);
	}
	snprintf(e->internal.why, sizeof(e->internal.why), "%s", why);
	return R_EXIT;
}
