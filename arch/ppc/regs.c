/*
 * The state files: regs, sregs and events are tables over plain structs
 * (vmm/arch.h), filled from and applied to the core at an instruction
 * boundary.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ppc.h"

/* ---- regs ---- */

struct ppc_regs {
	uint32_t gpr[32];
	uint32_t pc, msr, cr, lr, ctr, xer;
};

#define G(n) REG(struct ppc_regs, gpr[n], "r" #n, 0)
static const struct reg_desc regs_fields[] = {
	G(0), G(1), G(2), G(3), G(4), G(5), G(6), G(7), G(8), G(9), G(10), G(11), G(12), G(13),
	G(14), G(15), G(16), G(17), G(18), G(19), G(20), G(21), G(22), G(23), G(24), G(25),
	G(26), G(27), G(28), G(29), G(30), G(31),
	REG(struct ppc_regs, pc, "pc", 0),
	REG(struct ppc_regs, msr, "msr", 0),
	REG(struct ppc_regs, cr, "cr", 0),
	REG(struct ppc_regs, lr, "lr", 0),
	REG(struct ppc_regs, ctr, "ctr", 0),
	REG(struct ppc_regs, xer, "xer", 0),
};

static void regs_get(struct vcpu *v, void *st)
{
	struct ppc *c = PPC(v);
	struct ppc_regs *r = st;

	pv_pull(c);
	memcpy(r->gpr, c->gpr, sizeof(r->gpr));
	r->pc = c->pc;
	r->msr = c->msr;
	r->cr = cr_get(c);
	r->lr = c->lr;
	r->ctr = c->ctr;
	r->xer = c->xer;
}

static int regs_set(struct vcpu *v, const void *st, const uint64_t *written, char *why, size_t whylen)
{
	struct ppc *c = PPC(v);
	const struct ppc_regs *r = st;

	(void)written;
	if (r->pc & 3) {
		snprintf(why, whylen, "pc=0x%x: instructions are word aligned", r->pc);
		return -EINVAL;
	}
	if (r->msr & ~MSR_MASK) {
		snprintf(why, whylen, "msr=0x%x: bits 0x%x do not exist on the 440", r->msr,
			 r->msr & ~MSR_MASK);
		return -EINVAL;
	}
	memcpy(c->gpr, r->gpr, sizeof(r->gpr));
	c->pc = r->pc;
	cr_set(c, r->cr);
	c->lr = r->lr;
	c->ctr = r->ctr;
	c->xer = r->xer & (XER_SO | XER_OV | XER_CA | 0x7f);
	ppc_set_msr(c, r->msr);
	pv_push(c);
	return 0;
}

const struct state_desc ppc_regs_file = {
	.file = "regs", .fields = regs_fields,
	.nfields = sizeof(regs_fields) / sizeof(regs_fields[0]),
	.size = sizeof(struct ppc_regs), .get = regs_get, .set = regs_set,
};

/* ---- sregs: every SPR by name ---- */

struct ppc_sregs {
	uint32_t srr0, srr1, csrr0, csrr1, mcsrr0, mcsrr1, dear, esr, mcsr, ivpr, ivor[16];
	uint32_t pid, mmucr, ccr0, ccr1, dec, decar, tbl, tbu, tcr, tsr;
	uint32_t dbcr0, dbcr1, dbcr2, dbsr, iac[4], dac[2], dvc[2];
	uint32_t sprg[8], usprg0, pvr, pir, rstcfg, fpscr;
};

#define S(f, n) REG(struct ppc_sregs, f, n, 0)
#define SR(f, n) REG(struct ppc_sregs, f, n, REG_RO)
static const struct reg_desc sregs_fields[] = {
	S(srr0, "srr0"), S(srr1, "srr1"), S(csrr0, "csrr0"), S(csrr1, "csrr1"),
	S(mcsrr0, "mcsrr0"), S(mcsrr1, "mcsrr1"), S(dear, "dear"), S(esr, "esr"), S(mcsr, "mcsr"),
	S(ivpr, "ivpr"),
	S(ivor[0], "ivor0"), S(ivor[1], "ivor1"), S(ivor[2], "ivor2"), S(ivor[3], "ivor3"),
	S(ivor[4], "ivor4"), S(ivor[5], "ivor5"), S(ivor[6], "ivor6"), S(ivor[7], "ivor7"),
	S(ivor[8], "ivor8"), S(ivor[9], "ivor9"), S(ivor[10], "ivor10"), S(ivor[11], "ivor11"),
	S(ivor[12], "ivor12"), S(ivor[13], "ivor13"), S(ivor[14], "ivor14"), S(ivor[15], "ivor15"),
	S(pid, "pid"), S(mmucr, "mmucr"), S(ccr0, "ccr0"), S(ccr1, "ccr1"), S(dec, "dec"),
	S(decar, "decar"), S(tbl, "tbl"), S(tbu, "tbu"), S(tcr, "tcr"), S(tsr, "tsr"),
	S(dbcr0, "dbcr0"), S(dbcr1, "dbcr1"), S(dbcr2, "dbcr2"), S(dbsr, "dbsr"),
	S(iac[0], "iac1"), S(iac[1], "iac2"), S(iac[2], "iac3"), S(iac[3], "iac4"),
	S(dac[0], "dac1"), S(dac[1], "dac2"), S(dvc[0], "dvc1"), S(dvc[1], "dvc2"),
	S(sprg[0], "sprg0"), S(sprg[1], "sprg1"), S(sprg[2], "sprg2"), S(sprg[3], "sprg3"),
	S(sprg[4], "sprg4"), S(sprg[5], "sprg5"), S(sprg[6], "sprg6"), S(sprg[7], "sprg7"),
	S(usprg0, "usprg0"), SR(pvr, "pvr"), S(pir, "pir"), SR(rstcfg, "rstcfg"), S(fpscr, "fpscr"),
};

static void sregs_get(struct vcpu *v, void *st)
{
	struct ppc *c = PPC(v);
	struct ppc_sregs *s = st;
	uint64_t tb = ppc_tb(c);

	pv_pull(c);
	s->srr0 = c->srr0; s->srr1 = c->srr1; s->csrr0 = c->csrr0; s->csrr1 = c->csrr1;
	s->mcsrr0 = c->mcsrr0; s->mcsrr1 = c->mcsrr1; s->dear = c->dear; s->esr = c->esr;
	s->mcsr = c->mcsr; s->ivpr = c->ivpr;
	memcpy(s->ivor, c->ivor, sizeof(s->ivor));
	s->pid = c->pid; s->mmucr = c->mmucr; s->ccr0 = c->ccr0; s->ccr1 = c->ccr1;
	s->dec = ppc_dec_read(c); s->decar = c->decar;
	s->tbl = tb; s->tbu = tb >> 32;
	s->tcr = c->tcr; s->tsr = c->tsr;
	s->dbcr0 = c->dbcr0; s->dbcr1 = c->dbcr1; s->dbcr2 = c->dbcr2; s->dbsr = c->dbsr;
	memcpy(s->iac, c->iac, sizeof(s->iac));
	memcpy(s->dac, c->dac, sizeof(s->dac));
	memcpy(s->dvc, c->dvc, sizeof(s->dvc));
	memcpy(s->sprg, c->sprg, sizeof(s->sprg));
	s->usprg0 = c->usprg0; s->pvr = PPC440_PVR; s->pir = c->pir; s->rstcfg = c->rstcfg;
	s->fpscr = c->fpscr;
}

/* Field index of a name in sregs_fields, for the written bitmap. */
static int sidx(const char *name)
{
	for (unsigned i = 0; i < sizeof(sregs_fields) / sizeof(sregs_fields[0]); i++)
		if (!strcmp(sregs_fields[i].name, name))
			return i;
	return -1;
}

static bool was(const uint64_t *written, const char *name)
{
	int i = sidx(name);

	return i >= 0 && (written[i / 64] >> (i % 64) & 1);
}

static int sregs_set(struct vcpu *v, const void *st, const uint64_t *written, char *why, size_t whylen)
{
	struct ppc *c = PPC(v);
	const struct ppc_sregs *s = st;

	if (s->pid > 0xff) {
		snprintf(why, whylen, "pid=0x%x: the 440's PID is 8 bits", s->pid);
		return -ERANGE;
	}
	c->srr0 = s->srr0; c->srr1 = s->srr1; c->csrr0 = s->csrr0; c->csrr1 = s->csrr1;
	c->mcsrr0 = s->mcsrr0; c->mcsrr1 = s->mcsrr1; c->dear = s->dear; c->esr = s->esr;
	c->mcsr = s->mcsr; c->ivpr = s->ivpr & 0xffff0000u;
	memcpy(c->ivor, s->ivor, sizeof(c->ivor));
	c->pid = s->pid; c->mmucr = s->mmucr; c->ccr0 = s->ccr0; c->ccr1 = s->ccr1;
	c->decar = s->decar;
	c->dbcr0 = s->dbcr0 & ~DBCR0_RST; c->dbcr1 = s->dbcr1; c->dbcr2 = s->dbcr2; c->dbsr = s->dbsr;
	memcpy(c->iac, s->iac, sizeof(c->iac));
	memcpy(c->dac, s->dac, sizeof(c->dac));
	memcpy(c->dvc, s->dvc, sizeof(c->dvc));
	memcpy(c->sprg, s->sprg, sizeof(c->sprg));
	c->usprg0 = s->usprg0; c->pir = s->pir;
	c->fpscr = s->fpscr;
	/* the timers only when written: their reads are live values */
	if (was(written, "tbl") || was(written, "tbu"))
		ppc_tb_write(c, (uint64_t)s->tbu << 32 | s->tbl);
	if (was(written, "dec"))
		ppc_dec_write(c, s->dec);
	if (was(written, "tcr"))
		ppc_tcr_write(c, s->tcr);
	if (was(written, "tsr"))
		c->tsr = s->tsr;
	ppc_update_ctx(c);
	ppc_debug_update(c);
	pv_push(c);
	return 0;
}

const struct state_desc ppc_sregs_file = {
	.file = "sregs", .fields = sregs_fields,
	.nfields = sizeof(sregs_fields) / sizeof(sregs_fields[0]),
	.size = sizeof(struct ppc_sregs), .get = sregs_get, .set = sregs_set,
};

/* ---- events: what is pending; writing 1 injects ---- */

struct ppc_events {
	uint8_t external, critical, machine_check;	/* injected, not yet taken */
	uint8_t uic_external, uic_critical;		/* UIC0's outputs */
	uint8_t decrementer, fit, watchdog;		/* TSR status with the TCR enable */
	uint8_t deliverable;
};

#define E(f, n, fl) REG(struct ppc_events, f, n, REG_DEC | (fl))
static const struct reg_desc events_fields[] = {
	E(external, "external", 0), E(critical, "critical", 0),
	E(machine_check, "machine_check", 0),
	E(uic_external, "uic_external", REG_RO), E(uic_critical, "uic_critical", REG_RO),
	E(decrementer, "decrementer", REG_RO), E(fit, "fit", REG_RO),
	E(watchdog, "watchdog", REG_RO), E(deliverable, "deliverable", REG_RO),
};

static void events_get(struct vcpu *v, void *st)
{
	struct ppc *c = PPC(v);
	struct ppc_events *e = st;
	int uic = uic_out(v->vm);

	ppc_timers_update(c);
	e->external = c->inj_ext;
	e->critical = c->inj_crit;
	e->machine_check = c->inj_mchk;
	e->uic_external = uic & 1;
	e->uic_critical = !!(uic & 2);
	e->decrementer = (c->tsr & TSR_DIS) && (c->tcr & TCR_DIE);
	e->fit = (c->tsr & TSR_FIS) && (c->tcr & TCR_FIE);
	e->watchdog = (c->tsr & TSR_WIS) && (c->tcr & TCR_WIE);
	e->deliverable = ppc_irq_deliverable(c);
}

static int events_set(struct vcpu *v, const void *st, const uint64_t *written, char *why, size_t whylen)
{
	struct ppc *c = PPC(v);
	const struct ppc_events *e = st;

	(void)written;
	if (e->external > 1 || e->critical > 1 || e->machine_check > 1) {
		snprintf(why, whylen, "external, critical and machine_check take 0 or 1");
		return -EINVAL;
	}
	c->inj_ext = e->external;
	c->inj_crit = e->critical;
	c->inj_mchk = e->machine_check;
	return 0;
}

const struct state_desc ppc_events_file = {
	.file = "events", .fields = events_fields,
	.nfields = sizeof(events_fields) / sizeof(events_fields[0]),
	.size = sizeof(struct ppc_events), .get = events_get, .set = events_set,
};
