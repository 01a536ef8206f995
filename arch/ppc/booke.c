/*
 * BookE interrupts and the 440's timers.
 *
 * The time base follows the host's CLOCK_MONOTONIC at 400 MHz (the
 * frequency the device tree announces, as QEMU's bamboo does), so a guest's
 * sense of time matches the wall clock whatever the interpreter's speed.
 * The decrementer, fixed-interval and watchdog timers are derived from it
 * and brought up to date whenever they are read, every few thousand
 * instructions, and when a halted vcpu wakes.
 */
#include <time.h>

#include "ppc.h"
#include "vmm/exit.h"
#include "vmm/vcpu.h"

/* The TB bit whose 0->1 transition is a FIT / watchdog event, by TCR[FP] / TCR[WP]. */
static const uint8_t fit_bit[4] = { 12, 16, 20, 24 };
static const uint8_t wdt_bit[4] = { 20, 24, 28, 32 };

uint64_t ppc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t ns_to_tb(uint64_t ns) { return ns / 5 * 2 + ns % 5 * 2 / 5; }
static uint64_t tb_to_ns(uint64_t tb) { return tb / 2 * 5 + tb % 2 * 5 / 2; }

uint64_t ppc_tb(struct ppc *c)
{
	return ns_to_tb(ppc_now_ns()) + c->tb_offset;
}

static uint64_t next_toggle(uint64_t now, unsigned bit)
{
	uint64_t period = 2ull << bit, t = (now & ~(period - 1)) + (period >> 1);

	return t <= now ? t + period : t;
}

void ppc_tb_write(struct ppc *c, uint64_t tb)
{
	uint64_t old = ppc_tb(c);
	int64_t delta = tb - old;

	/* the timers keep their remaining time: they run on the time base too */
	c->tb_offset += delta;
	if (c->dec_running)
		c->dec_expire += delta;
	c->fit_next = next_toggle(tb, fit_bit[TCR_FP(c->tcr)]);
	c->wdt_next = next_toggle(tb, wdt_bit[TCR_WP(c->tcr)]);
}

static void wdt_event(struct ppc *c)
{
	if (!(c->tsr & TSR_ENW)) {
		c->tsr |= TSR_ENW;
	} else if (!(c->tsr & TSR_WIS)) {
		c->tsr |= TSR_WIS;
	} else if (TCR_WRC(c->tcr) && !(c->tsr & (3u << TSR_WRS_SHIFT))) {
		/* second timeout unanswered: the reset TCR[WRC] selects */
		c->tsr |= TCR_WRC(c->tcr) << TSR_WRS_SHIFT;
		vcpu_set_exit(c->v, EXIT_SYSTEM_EVENT);
		c->v->exit.system_event.type = SYSEV_RESET;
		c->v->exit.system_event.code = TCR_WRC(c->tcr);
		ppc_stop(c);
	}
}

void ppc_timers_update(struct ppc *c)
{
	uint64_t now = ppc_tb(c);
	uint32_t tsr = c->tsr;

	if (c->dec_running && now >= c->dec_expire) {
		c->tsr |= TSR_DIS;
		if ((c->tcr & TCR_ARE) && c->decar) {
			/* reloads from DECAR when it reaches zero, then counts down again */
			uint64_t k = (now - c->dec_expire) / c->decar + 1;
			c->dec_expire += k * c->decar;
		} else {
			c->dec_running = false;
			c->dec_stopped = 0;
		}
	}
	if (now >= c->fit_next) {
		c->tsr |= TSR_FIS;
		c->fit_next = next_toggle(now, fit_bit[TCR_FP(c->tcr)]);
	}
	if (now >= c->wdt_next) {
		wdt_event(c);
		c->wdt_next = next_toggle(now, wdt_bit[TCR_WP(c->tcr)]);
	}
	if (c->tsr != tsr)
		ppc_resync(c);	/* an interrupt may be deliverable now */
}

uint32_t ppc_dec_read(struct ppc *c)
{
	uint64_t now;

	ppc_timers_update(c);
	if (!c->dec_running)
		return c->dec_stopped;
	now = ppc_tb(c);
	return now >= c->dec_expire ? 0 : (uint32_t)(c->dec_expire - now);
}

void ppc_dec_write(struct ppc *c, uint32_t val)
{
	ppc_timers_update(c);
	c->dec_running = val != 0;
	c->dec_stopped = val;
	c->dec_expire = ppc_tb(c) + val;
}

void ppc_tcr_write(struct ppc *c, uint32_t val)
{
	uint64_t now = ppc_tb(c);

	ppc_timers_update(c);
	/* WRC can only be set once, until a reset */
	if (TCR_WRC(c->tcr))
		val = (val & ~(3u << 28)) | (c->tcr & (3u << 28));
	c->tcr = val;
	c->fit_next = next_toggle(now, fit_bit[TCR_FP(val)]);
	c->wdt_next = next_toggle(now, wdt_bit[TCR_WP(val)]);
	ppc_resync(c);
}

void ppc_tsr_clear(struct ppc *c, uint32_t val)
{
	ppc_timers_update(c);
	c->tsr &= ~val;
	ppc_resync(c);
}

static const enum ppc_stat int_stat[IV_NR] = {
	PS_INT_CRITICAL, PS_INT_MCHECK, PS_INT_DSI, PS_INT_ISI, PS_INT_EXTERNAL, PS_INT_ALIGN,
	PS_INT_PROGRAM, PS_INT_FPUNAVAIL, PS_INT_SYSCALL, PS_INT_APUNAVAIL, PS_INT_DEC,
	PS_INT_FIT, PS_INT_WDT, PS_INT_DTLB, PS_INT_ITLB, PS_INT_DEBUG,
};

/* With the CPU's copies pulled from the magic page (if mapped); pushes them back. */
static int take(struct ppc *c, enum ppc_ivor iv, uint32_t srr0)
{
	uint32_t msr = c->msr;

	switch (iv) {
	case IV_CRITICAL: case IV_WDT: case IV_DEBUG:
		c->csrr0 = srr0;
		c->csrr1 = msr;
		msr &= MSR_ME;
		break;
	case IV_MCHECK:
		c->mcsrr0 = srr0;
		c->mcsrr1 = msr;
		msr = 0;
		break;
	default:
		c->srr0 = srr0;
		c->srr1 = msr;
		msr &= MSR_CE | MSR_ME | MSR_DE;
		break;
	}
	c->v->astat[int_stat[iv]]++;
	c->nint++;
	c->pv_idle = false;
	ppc_set_msr(c, msr);
	pv_push(c);
	c->pc = (c->ivpr & 0xffff0000u) | (c->ivor[iv] & 0xfff0u);
	return R_JUMP;
}

int ppc_raise(struct ppc *c, enum ppc_ivor iv, uint32_t srr0)
{
	pv_pull(c);
	return take(c, iv, srr0);
}

int ppc_raise_esr(struct ppc *c, enum ppc_ivor iv, uint32_t srr0, uint32_t esr)
{
	pv_pull(c);
	c->esr = esr;
	return take(c, iv, srr0);
}

int ppc_program(struct ppc *c, uint32_t esr)
{
	return ppc_raise_esr(c, IV_PROGRAM, c->pc, esr);
}

int ppc_data_fault(struct ppc *c, enum ppc_ivor iv, uint32_t ea, int write)
{
	pv_pull(c);
	c->dear = ea;
	c->esr = write ? ESR_ST : 0;
	return take(c, iv, c->pc);
}

/*
 * The interrupt that would be taken now, by priority, or -1.  While the
 * magic page is mapped, *waiting says whether some source is asserted,
 * deliverable or not (its int_pending), and a paravirtual guest's critical
 * section holds off everything but machine checks.
 */
static int pending(struct ppc *c, bool *waiting)
{
	uint32_t msr = pv_msr(c), tsr = c->tsr, tcr = c->tcr;
	int uic = uic_out(c->vm);
	bool crit = false;

	if (c->inj_mchk && (msr & MSR_ME))
		return IV_MCHECK;
	if (unlikely(c->magic != NULL)) {
		*waiting = c->inj_ext || c->inj_crit || uic || ((tsr & TSR_DIS) && (tcr & TCR_DIE)) ||
			   ((tsr & TSR_FIS) && (tcr & TCR_FIE)) || ((tsr & TSR_WIS) && (tcr & TCR_WIE));
		crit = pv_critical(c);
	}
	/* a debug event recorded while MSR[DE] was clear (debug.c) */
	if ((msr & MSR_DE) && (c->dbcr0 & DBCR0_IDM) && (c->dbsr & DBSR_EVENTS))
		return IV_DEBUG;
	if ((msr & MSR_CE) && !crit) {
		if (c->inj_crit || (uic & 2))
			return IV_CRITICAL;
		if ((tsr & TSR_WIS) && (tcr & TCR_WIE))
			return IV_WDT;
	}
	if ((msr & MSR_EE) && !crit) {
		if (c->inj_ext || (uic & 1))
			return IV_EXTERNAL;
		if ((tsr & TSR_DIS) && (tcr & TCR_DIE))
			return IV_DEC;
		if ((tsr & TSR_FIS) && (tcr & TCR_FIE))
			return IV_FIT;
	}
	return -1;
}

int ppc_irq_deliverable(struct ppc *c)
{
	bool waiting = false;

	return pending(c, &waiting) >= 0;
}

/* Whether any source is asserted, masked or not: mostly none is, and then nothing more to see. */
static bool asserted(struct ppc *c)
{
	uint32_t tsr = c->tsr, tcr = c->tcr;

	return c->inj_mchk || c->inj_crit || c->inj_ext || uic_out(c->vm) ||
	       (c->dbsr & DBSR_EVENTS) || ((tsr & TSR_DIS) && (tcr & TCR_DIE)) ||
	       ((tsr & TSR_FIS) && (tcr & TCR_FIE)) || ((tsr & TSR_WIS) && (tcr & TCR_WIE));
}

int ppc_deliver(struct ppc *c)
{
	bool waiting = false;
	int iv;

	c->irq_held = false;
	if (!asserted(c)) {
		if (unlikely(c->magic != NULL))
			pv_set_int_pending(c, false);
		return 0;
	}
	iv = pending(c, &waiting);
	if (unlikely(c->magic != NULL)) {
		pv_set_int_pending(c, iv < 0 && waiting);
		/* a critical section ends without a trap: look again at every page change */
		c->irq_held = iv < 0 && pv_critical(c);
	}
	if (iv < 0)
		return 0;
	if (iv == IV_MCHECK) {
		c->inj_mchk = false;
		c->mcsr |= ESR_MCI;
	}
	if (iv == IV_CRITICAL)
		c->inj_crit = false;
	if (iv == IV_EXTERNAL)
		c->inj_ext = false;
	ppc_raise(c, iv, c->pc);
	return 1;
}

int64_t ppc_wake_deadline(struct ppc *c)
{
	uint64_t next = UINT64_MAX, now;
	uint32_t msr = pv_msr(c);

	/* the watchdog's reset action needs no interrupt enabled */
	if (!(msr & (MSR_EE | MSR_CE)) && !TCR_WRC(c->tcr))
		return -1;
	if (msr & MSR_EE) {
		if (c->dec_running && (c->tcr & TCR_DIE))
			next = c->dec_expire;
		if ((c->tcr & TCR_FIE) && c->fit_next < next)
			next = c->fit_next;
	}
	if (((msr & MSR_CE) && (c->tcr & TCR_WIE)) || TCR_WRC(c->tcr))
		if (c->wdt_next < next)
			next = c->wdt_next;
	if (next == UINT64_MAX)
		return 0;
	now = ppc_tb(c);
	return ppc_now_ns() + (next > now ? tb_to_ns(next - now) : 0) + 1;
}
