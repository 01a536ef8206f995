/*
 * mfspr/mtspr and mfdcr/mtdcr: the 440's special-purpose registers and the
 * device control registers of the platform (UIC0).  Privilege is checked by
 * the caller (SPR numbers with 0x10 set are privileged).  An SPR or DCR the
 * 440 does not have raises the illegal-instruction program interrupt.
 */
#include "ppc.h"
#include "vmm/exit.h"
#include "vmm/vcpu.h"

enum {
	SPR_XER = 1, SPR_LR = 8, SPR_CTR = 9, SPR_DEC = 22, SPR_SRR0 = 26, SPR_SRR1 = 27,
	SPR_PID = 48, SPR_DECAR = 54, SPR_CSRR0 = 58, SPR_CSRR1 = 59, SPR_DEAR = 61,
	SPR_ESR = 62, SPR_IVPR = 63, SPR_USPRG0 = 256, SPR_SPRG3R = 259, SPR_SPRG4R = 260,
	SPR_SPRG7R = 263, SPR_TBLR = 268, SPR_TBUR = 269, SPR_SPRG0 = 272, SPR_SPRG7 = 279,
	SPR_TBLW = 284, SPR_TBUW = 285, SPR_PIR = 286, SPR_PVR = 287, SPR_DBSR = 304,
	SPR_DBCR0 = 308, SPR_DBCR1 = 309, SPR_DBCR2 = 310, SPR_IAC1 = 312, SPR_IAC4 = 315,
	SPR_DAC1 = 316, SPR_DAC2 = 317, SPR_DVC1 = 318, SPR_DVC2 = 319, SPR_TSR = 336,
	SPR_TCR = 340, SPR_IVOR0 = 400, SPR_IVOR15 = 415, SPR_MCSRR0 = 570, SPR_MCSRR1 = 571,
	SPR_MCSR = 572, SPR_INV0 = 880, SPR_INV3 = 883, SPR_ITV0 = 884, SPR_ITV3 = 887,
	SPR_CCR1 = 888, SPR_DNV0 = 912, SPR_DNV3 = 915, SPR_DTV0 = 916, SPR_DTV3 = 919,
	SPR_DVLIM = 920, SPR_IVLIM = 921, SPR_RSTCFG = 923, SPR_MMUCR = 946, SPR_CCR0 = 947,
};

/* The register an SPR number names when it is plain storage, or NULL. */
static uint32_t *spr_plain(struct ppc *c, unsigned spr)
{
	switch (spr) {
	case SPR_XER: return &c->xer;
	case SPR_LR: return &c->lr;
	case SPR_CTR: return &c->ctr;
	case SPR_SRR0: return &c->srr0;
	case SPR_SRR1: return &c->srr1;
	case SPR_CSRR0: return &c->csrr0;
	case SPR_CSRR1: return &c->csrr1;
	case SPR_MCSRR0: return &c->mcsrr0;
	case SPR_MCSRR1: return &c->mcsrr1;
	case SPR_DEAR: return &c->dear;
	case SPR_ESR: return &c->esr;
	case SPR_DECAR: return &c->decar;
	case SPR_USPRG0: return &c->usprg0;
	case SPR_DBCR1: return &c->dbcr1;
	case SPR_DBCR2: return &c->dbcr2;
	case SPR_DAC1: return &c->dac[0];
	case SPR_DAC2: return &c->dac[1];
	case SPR_DVC1: return &c->dvc[0];
	case SPR_DVC2: return &c->dvc[1];
	case SPR_CCR0: return &c->ccr0;
	case SPR_CCR1: return &c->ccr1;
	case SPR_DVLIM: return &c->dvlim;
	case SPR_IVLIM: return &c->ivlim;
	}
	if (spr >= SPR_SPRG0 && spr <= SPR_SPRG7)
		return &c->sprg[spr - SPR_SPRG0];
	if (spr >= SPR_IVOR0 && spr <= SPR_IVOR15)
		return &c->ivor[spr - SPR_IVOR0];
	if (spr >= SPR_IAC1 && spr <= SPR_IAC4)
		return &c->iac[spr - SPR_IAC1];
	if (spr >= SPR_INV0 && spr <= SPR_INV3)
		return &c->inv[spr - SPR_INV0];
	if (spr >= SPR_ITV0 && spr <= SPR_ITV3)
		return &c->itv[spr - SPR_ITV0];
	if (spr >= SPR_DNV0 && spr <= SPR_DNV3)
		return &c->dnv[spr - SPR_DNV0];
	if (spr >= SPR_DTV0 && spr <= SPR_DTV3)
		return &c->dtv[spr - SPR_DTV0];
	return NULL;
}

int spr_read(struct ppc *c, unsigned spr, uint32_t *val)
{
	uint32_t *p = spr_plain(c, spr);

	if (p) {
		*val = *p;
		return 0;
	}
	switch (spr) {
	case SPR_DEC: *val = ppc_dec_read(c); return 0;
	case SPR_PID: *val = c->pid; return 0;
	case SPR_IVPR: *val = c->ivpr; return 0;
	case SPR_SPRG3R: *val = c->sprg[3]; return 0;
	case SPR_TBLR: *val = ppc_tb(c); return 0;
	case SPR_TBUR: *val = ppc_tb(c) >> 32; return 0;
	case SPR_PIR: *val = c->pir; return 0;
	case SPR_PVR: *val = PPC440_PVR; return 0;
	case SPR_DBSR: *val = c->dbsr; return 0;
	case SPR_DBCR0: *val = c->dbcr0; return 0;
	case SPR_TSR: ppc_timers_update(c); *val = c->tsr; return 0;
	case SPR_TCR: *val = c->tcr; return 0;
	case SPR_MCSR: *val = c->mcsr; return 0;
	case SPR_RSTCFG: *val = c->rstcfg; return 0;
	case SPR_MMUCR: *val = c->mmucr; return 0;
	}
	if (spr >= SPR_SPRG4R && spr <= SPR_SPRG7R) {
		*val = c->sprg[spr - SPR_SPRG4R + 4];
		return 0;
	}
	return ppc_program(c, ESR_PIL);
}

int spr_write(struct ppc *c, unsigned spr, uint32_t val)
{
	uint32_t *p = spr_plain(c, spr);

	if (p) {
		*p = val;
		return 0;
	}
	switch (spr) {
	case SPR_DEC: ppc_dec_write(c, val); return 0;
	case SPR_PID:
		c->pid = val & 0xff;
		ppc_update_ctx(c);
		return 0;
	case SPR_IVPR: c->ivpr = val & 0xffff0000u; return 0;
	case SPR_TBLW: ppc_tb_write(c, (ppc_tb(c) & ~0xffffffffull) | val); return 0;
	case SPR_TBUW: ppc_tb_write(c, (ppc_tb(c) & 0xffffffffull) | (uint64_t)val << 32); return 0;
	case SPR_DBSR: c->dbsr &= ~val; return 0;		/* write one to clear */
	case SPR_DBCR0:
		c->dbcr0 = val & ~DBCR0_RST;
		ppc_debug_update(c);
		if (val & DBCR0_RST) {
			/* core, chip or system reset: the guest asks to be reset */
			vcpu_set_exit(c->v, EXIT_SYSTEM_EVENT);
			c->v->exit.system_event.type = SYSEV_RESET;
			c->v->exit.system_event.code = (val & DBCR0_RST) >> 28;
			ppc_stop(c);
		}
		return 0;
	case SPR_TSR: ppc_tsr_clear(c, val); return 0;
	case SPR_TCR: ppc_tcr_write(c, val); return 0;
	case SPR_MCSR: c->mcsr &= ~val; return 0;
	case SPR_MMUCR: c->mmucr = val & 0x017f00ffu; return 0;
	case SPR_PIR: case SPR_PVR: case SPR_RSTCFG: case SPR_TBLR: case SPR_TBUR:
	case SPR_SPRG3R:
		return 0;	/* read-only: writes are ignored */
	}
	if (spr >= SPR_SPRG4R && spr <= SPR_SPRG7R)
		return 0;
	return ppc_program(c, ESR_PIL);
}

/* DCRs: UIC0 at 0xc0-0xc8, as QEMU's ppc-uic. */
#define DCR_UIC0 0xc0
#define DCR_UIC_N 9

int dcr_read(struct ppc *c, unsigned dcrn, uint32_t *val)
{
	if (dcrn - DCR_UIC0 < DCR_UIC_N) {
		*val = uic_dcr_read(&PPCVM(c->vm)->uic, dcrn - DCR_UIC0);
		return 0;
	}
	return ppc_program(c, ESR_PIL);
}

int dcr_write(struct ppc *c, unsigned dcrn, uint32_t val)
{
	if (dcrn - DCR_UIC0 < DCR_UIC_N) {
		uic_dcr_write(c->vm, dcrn - DCR_UIC0, val);
		ppc_resync(c);		/* the external input may have changed */
		return 0;
	}
	return ppc_program(c, ESR_PIL);
}
