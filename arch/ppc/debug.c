/*
 * Debug events in the 440's internal debug mode (DBCR0[IDM]): instruction
 * address compare (IAC1-4), data address compare (DAC1-2, read and write),
 * instruction complete (ICMP), branch taken (BRT) and trap.
 *
 * An event sets its DBSR bit.  With MSR[DE] set it raises the debug
 * interrupt at once (critical class: CSRR0/1, as the 440 has no DSRR);
 * with MSR[DE] clear it also sets DBSR[IDE] and the interrupt waits until
 * MSR[DE] is set while the event bit still is (booke.c's pending()).
 * ICMP and BRT are not recognized while MSR[DE] is clear, or a handler
 * could never return.  Compares are exact: IAC and DAC range modes
 * (DBCR1/DBCR2) and data value compares are not implemented.
 *
 * Where CSRR0 points: IAC, DAC, BRT and trap at the instruction, which
 * has not executed; ICMP at the next one.
 */
#include "insn.h"

void ppc_debug_update(struct ppc *c)
{
	bool idm = c->dbcr0 & DBCR0_IDM, dac = idm && (c->dbcr0 & DBG_DAC_ALL);

	c->dbg_insn = idm && (c->dbcr0 & (DBG_IAC_ALL | DBG_ICMP | DBG_BRT));
	if (dac && !c->dbg_dac)
		soft_flush(c);	/* every data access must reach the compare */
	c->dbg_dac = dac;
	ppc_resync(c);
}

/* Record an event; 1 if the debug interrupt was taken. */
static int event(struct ppc *c, uint32_t bits, uint32_t csrr0)
{
	c->dbsr |= bits;
	if (pv_msr(c) & MSR_DE) {
		ppc_raise(c, IV_DEBUG, csrr0);
		return 1;
	}
	c->dbsr |= DBSR_IDE;
	ppc_resync(c);
	return 0;
}

static uint32_t iac_hits(struct ppc *c, uint32_t pc)
{
	uint32_t hits = 0;

	for (int n = 0; n < 4; n++)
		if ((c->dbcr0 & DBG_IAC(n)) && (c->iac[n] & ~3u) == pc)
			hits |= DBG_IAC(n);
	return hits;
}

/* By encoding: decode.c has several handlers for each branch form. */
static bool is_branch(const struct op *o)
{
	unsigned opc = o->insn >> 26, xo = (o->insn >> 1) & 0x3ff;

	return opc == 16 || opc == 18 || (opc == 19 && (xo == 16 || xo == 528));
}

int ppc_debug_step(struct ppc *c, struct op *o, bool *retired)
{
	uint32_t pc = c->pc, lr = c->lr, ctr = c->ctr, hits = iac_hits(c, pc);
	bool de = pv_msr(c) & MSR_DE;
	uint64_t nint = c->nint, n;
	int r;

	*retired = false;
	if (hits && event(c, hits, pc))
		return 0;
	r = code_run(c, o, 1, 0, &n);	/* R_STOPPED: it went on to the next one, pc is there */
	if (r == R_EXIT)
		return R_EXIT;
	if (c->nint != nint)
		return 0;	/* it took an interrupt instead of completing */
	*retired = true;
	if (!de)
		return 0;
	if ((c->dbcr0 & DBG_BRT) && r == R_JUMP && is_branch(o)) {
		/* the event comes before the branch: undo it (branches change only these) */
		c->pc = pc;
		c->lr = lr;
		c->ctr = ctr;
		*retired = false;
		event(c, DBG_BRT, pc);
		return 0;
	}
	if (c->dbcr0 & DBG_ICMP)
		event(c, DBG_ICMP, c->pc);
	return 0;
}

int ppc_debug_dac(struct ppc *c, uint32_t ea, unsigned size, int write)
{
	uint32_t hits = 0;

	for (int n = 0; n < 2; n++) {
		uint32_t en = write ? DBG_DACW(n) : DBG_DACR(n);

		if ((c->dbcr0 & en) && c->dac[n] - ea < size)
			hits |= en;
	}
	return hits && event(c, hits, c->pc) ? R_JUMP : 0;
}

int ppc_debug_trap(struct ppc *c)
{
	if ((c->dbcr0 & (DBCR0_IDM | DBG_TRAP)) != (DBCR0_IDM | DBG_TRAP))
		return 0;
	return event(c, DBG_TRAP, c->pc) ? R_JUMP : 0;
}
