/*
 * The interpreter's run loop.  Guest code runs from decoded pages: the
 * fetch side of the soft TLB yields the slot for pc, and code_run runs the
 * chain of handlers from there (see OP in ppc.h): straight on, across
 * branches and into other decoded pages, until something needs this loop.
 * Here, between chains, it looks at requests, timers and pending
 * interrupts.  The clock is read again every CLOCK_EVERY instructions.
 */
#include "ppc.h"
#include "vmm/vcpu.h"

#define CLOCK_EVERY 8192

/* The guest waits (MSR[WE] or EV_IDLE): how long, or an exit if nothing can wake it. */
static enum run_result wait_state(struct ppc *c)
{
	int64_t dl = ppc_wake_deadline(c);

	if (dl < 0) {
		vcpu_set_exit(c->v, EXIT_HLT);
		return RUN_EXIT;
	}
	c->v->halt_deadline_ns = dl;
	return RUN_HALT;
}

enum run_result ppc_run(struct vcpu *v, uint64_t budget)
{
	struct ppc *c = PPC(v);
	enum run_result res = RUN_DONE;
	uint64_t done = 0, taken = 0;

	/* a stop raised between runs is this run's exit: the watchdog's reset
	 * found by the timer check of a vcpu that waits (MSR[WE]) */
	if (unlikely(c->stop)) {
		c->stop = STOP_NONE;
		return RUN_EXIT;
	}
	pv_complete(c);
	ppc_fp_set_round(c);
	ppc_timers_update(c);
	c->insn_until_clock = CLOCK_EVERY;
	while (done + taken < budget) {
		unsigned lim;
		uint64_t left, ran;
		bool chain;
		struct op *o;
		int r = 0;

		if (vcpu_should_return(v))
			break;
		if (!c->insn_until_clock) {
			ppc_timers_update(c);
			c->insn_until_clock = CLOCK_EVERY;
		}
		if (unlikely(c->stop)) {
			res = RUN_EXIT;
			break;
		}
		/* an interrupt taken counts as a step: a guest that faults in a
		 * loop without retiring anything still ends `step N` */
		if (!v->replay.n && ppc_deliver(c)) {
			taken++;
			continue;
		}
		if (unlikely((c->msr & MSR_WE) || c->pv_idle)) {
			res = wait_state(c);
			break;
		}
		if (!(o = mem_fetch(c, &lim, &chain, &r))) {
			if (r == R_EXIT) {
				res = RUN_EXIT;
				break;
			}
			taken++;	/* ITLB miss or ISI taken: a step, as above */
			continue;
		}
		c->resync = 0;
		c->vbase = c->pc - o->off;
		if (unlikely(c->dbg_insn)) {
			/* debug events are decided around each instruction */
			bool retired;

			if (ppc_debug_step(c, o, &retired) == R_EXIT) {
				res = RUN_EXIT;
				break;
			}
			if (retired)
				done++;
			else
				taken++;
			c->insn_until_clock--;
			continue;
		}
		/* the budget is exact; the clock may run over by a page */
		left = budget - done - taken;
		if (!chain && left > lim)
			left = lim;	/* a 1 KiB page ends inside the decoded one */
		ran = 0;
		for (;;) {
			uint64_t n;

			/* the chain may have moved on to other pages: cur_cp and vbase follow */
			r = code_run(c, o, left, chain && ran < c->insn_until_clock ?
				     c->insn_until_clock - ran : 0, &n);
			left -= n;
			ran += n;
			if (r != R_JUMP || !left || ran >= c->insn_until_clock || !chain ||
			    unlikely(c->stop | c->resync) || c->pc - c->vbase >= 4096)
				break;
			/* a branch landing in this page continues there */
			o = &c->cur_cp->ops[(c->pc - c->vbase) >> 2];
		}
		done += ran;
		c->insn_until_clock = ran < c->insn_until_clock ? c->insn_until_clock - ran : 0;
		if (r == R_EXIT || unlikely(c->stop)) {
			res = RUN_EXIT;
			break;
		}
	}
	v->stat[STAT_INSNS] += done;
	v->stat[STAT_INTERRUPTS] += taken;
	if (res == RUN_EXIT)
		c->stop = STOP_NONE;	/* consumed; one still set is for the next run */
	return res;
}
