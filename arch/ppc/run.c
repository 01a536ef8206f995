/*
 * The interpreter's run loop.  Guest code runs from decoded pages: the
 * fetch side of the soft TLB yields the slot for pc, and handlers run one
 * after another until a branch, the end of the page, or the budget.  A
 * branch that stays in the same 4 KiB page continues there without another
 * lookup.  Between pages (and every CLOCK_EVERY instructions) the loop looks
 * at requests, timers and pending interrupts.
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

	c->stop = STOP_NONE;
	pv_complete(c);
	ppc_fp_set_round(c);
	ppc_timers_update(c);
	c->insn_until_clock = CLOCK_EVERY;
	while (done + taken < budget) {
		unsigned lim;
		uint32_t vbase;
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
		vbase = c->pc & ~0xfffu;
		for (;;) {
			uint64_t n = budget - done - taken, i;

			if (n > lim)
				n = lim;
			if (n > c->insn_until_clock)
				n = c->insn_until_clock;
			for (i = 0; i < n; i++, o++) {
				if (unlikely((r = o->fn(c, o))))
					break;
				c->pc += 4;
			}
			if (r == R_EXIT) {
				res = RUN_EXIT;
				goto out;
			}
			if (r == R_JUMP)
				i++;
			done += i;
			c->insn_until_clock -= i;
			if (unlikely(c->stop)) {
				res = RUN_EXIT;
				goto out;
			}
			if (r != R_JUMP || !chain || c->resync || done + taken >= budget ||
			    !c->insn_until_clock || vcpu_should_return(v))
				break;
			/* a branch: stay in this page when it lands there */
			if ((c->pc & ~0xfffu) != vbase)
				break;
			o = &c->cur_cp->ops[(c->pc >> 2) & 1023];
			lim = 1024 - ((c->pc >> 2) & 1023);
		}
	}
out:
	v->stat[STAT_INSNS] += done;
	v->stat[STAT_INTERRUPTS] += taken;
	v->astat[PS_SOFT_HIT] += c->soft_hits;
	c->soft_hits = 0;
	return res;
}
