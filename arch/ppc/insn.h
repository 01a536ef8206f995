/* Every instruction handler, once: decode.c maps encodings onto these. */
#ifndef ARCH_PPC_INSN_H
#define ARCH_PPC_INSN_H

#include "ppc.h"

#define PPC_HANDLERS(X) \
	/* exec_int.c */ \
	X(addi) X(addis) X(li) X(lis) X(add_plain) X(subf_plain) X(or_plain) X(mr) X(and_plain) \
	X(xor_plain) X(rlwinm_plain) X(addic) X(subfic) X(mulli) X(add) X(addc) X(adde) X(addme) \
	X(addze) X(subf) X(subfc) X(subfe) X(subfme) X(subfze) X(neg) X(mullw) X(mulhw) \
	X(mulhwu) X(divw) X(divwu) X(mac) X(ori) X(oris) X(xori) X(xoris) X(andi) X(andis) \
	X(and) X(andc) X(or) X(orc) X(xor) X(nand) X(nor) X(eqv) X(extsb) X(extsh) \
	X(cntlzw) X(slw) X(srw) X(sraw) X(srawi) X(rlwinm) X(rlwnm) X(rlwimi) X(cmpi) \
	X(cmpli) X(cmp) X(cmpl) X(isel) X(dlmzb) X(mfcr) X(mtcrf) X(mcrxr) X(mcrf) X(crop) \
	/* exec_branch.c */ \
	X(b) X(bc) X(bc_cr) X(bclr) X(bcctr) X(b_rel) X(bl_rel) X(bdnz) X(bdz) X(blr) X(bctr) \
	X(bctrl) \
	/* exec_mem.c */ \
	X(lwz) X(lwzu) X(lwzx) X(lwzux) X(lbz) X(lbzu) X(lbzx) X(lbzux) X(lhz) X(lhzu) \
	X(lhzx) X(lhzux) X(lha) X(lhau) X(lhax) X(lhaux) X(lwbrx) X(lhbrx) X(stw) X(stwu) \
	X(stwx) X(stwux) X(stb) X(stbu) X(stbx) X(stbux) X(sth) X(sthu) X(sthx) X(sthux) \
	X(stwbrx) X(sthbrx) X(lmw) X(stmw) X(lswi) X(lswx) X(stswi) X(stswx) X(lwarx) \
	X(stwcx) X(dcbz) X(cache_probe) X(nop) \
	/* exec_sys.c */ \
	X(mfmsr) X(mtmsr) X(wrtee) X(wrteei) X(rfi) X(rfci) X(rfmci) X(sc) X(tw) X(twi) \
	X(mfspr) X(mtspr) X(mflr) X(mtlr) X(mfctr) X(mtctr) X(mftb) X(mfdcr) X(mtdcr) \
	X(tlbwe) X(tlbre) X(tlbsx) X(tlbivax) X(tlbsync) X(dcbi) X(dccci) X(iccci) X(cacheread) \
	/* exec_fp.c */ \
	X(lfs) X(lfsu) X(lfsx) X(lfsux) X(lfd) X(lfdu) X(lfdx) X(lfdux) X(stfs) X(stfsu) \
	X(stfsx) X(stfsux) X(stfd) X(stfdu) X(stfdx) X(stfdux) X(stfiwx) X(fp_arith) \
	X(fcmp) X(fmove) X(frsp) X(fctiw) X(mffs) X(mtfsf) X(mtfsfi) X(mtfsb) X(mcrfs)

#define X(n) OP_DECL(n);
PPC_HANDLERS(X)
#undef X

#endif
