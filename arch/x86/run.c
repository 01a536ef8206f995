/*
 * The run loop: deliver pending events, find the block at cs:eip, call its
 * handlers in order.  Faults and exits in the middle of an instruction come
 * back here by longjmp with c->cur naming the instruction, which is then
 * not retired: rip stays on it.
 */
#include <stdio.h>

#include "cpu.h"
#include "vmm/vcpu.h"

_Noreturn void x86_exit_now(struct x86_cpu *c)
{
	longjmp(c->jb, JMP_EXIT);
}

_Noreturn void x86_fault(struct x86_cpu *c, unsigned vec, int has_err, uint32_t err)
{
	c->fault_vec = vec;
	c->fault_has_err = has_err;
	c->fault_err = err;
	longjmp(c->jb, JMP_FAULT);
}

_Noreturn void x86_internal(struct x86_cpu *c, const char *why)
{
	struct vcpu_exit *e = &c->v->exit;
	const struct insn *i = c->cur;

	vcpu_set_exit(c->v, EXIT_INTERNAL_ERROR);
	e->internal.suberror = 1;
	e->internal.addr = (uint32_t)(c->s.seg[SEG_CS].base + (i ? i->ip : c->s.rip));
	if (i) {
		e->internal.nbytes = i->len;
		memcpy(e->internal.bytes, i->bytes, i->len);
	}
	snprintf(e->internal.why, sizeof(e->internal.why), "%s", why);
	longjmp(c->jb, JMP_EXIT);
}

static void fetch_failed(struct x86_cpu *c)
{
	struct vcpu_exit *e = &c->v->exit;

	vcpu_set_exit(c->v, EXIT_INTERNAL_ERROR);
	e->internal.suberror = 1;
	e->internal.addr = (uint32_t)(c->s.seg[SEG_CS].base + c->s.rip);
	snprintf(e->internal.why, sizeof(e->internal.why), "instruction fetch outside RAM");
}

static int events_waiting(struct x86_cpu *c)
{
	const struct x86_events *e = &c->s.ev;

	return e->exc_injected | e->nmi_injected | e->nmi_pending | e->int_injected;
}

/*
 * A fault raised by an instruction.  Fault-class exceptions push EFLAGS
 * with RF set (SDM vol. 3, 17.3.1.1), so that the handler's iret does not
 * hit an instruction breakpoint again; #DB, #BP, #OF (traps), #DF and #MC
 * (aborts) do not, as KVM's exception_type() has it.  RF is put back if
 * the delivery itself exits, so the re-executed instruction sees it as it was.
 */
static int x86_deliver_fault(struct x86_cpu *c)
{
	unsigned vec = c->fault_vec;
	uint64_t rf = c->s.rflags & FL_RF;

	if (vec != EXC_DB && vec != EXC_BP && vec != EXC_OF && vec != EXC_DF && vec != EXC_MC &&
	    vec != EXC_NMI)
		c->s.rflags |= FL_RF;
	if (!x86_deliver(c, vec, c->fault_has_err, c->fault_err, 0, c->s.rip))
		return 0;
	c->s.rflags = (c->s.rflags & ~(uint64_t)FL_RF) | rf;
	return 1;
}

/*
 * While debug events can happen (debug.c): one instruction, then its traps.
 * Returns DBG_NONE / DBG_DELIVERED to go on, or an enum run_result.
 */
static int run_one_debug(struct x86_cpu *c, struct block *b)
{
	const struct insn *i = b->insn;
	uint64_t fl0 = c->s.rflags, ev0 = c->v->astat[X86_STAT_EVENTS];
	int r;

	c->db_hits = 0;
	c->first = c->cur = i;
	c->stop = i + 1;
	r = i->fn(c, i);
	c->done++;
	c->cur = c->first = NULL;
	if (r == 0)
		c->s.rip = i->next;
	else if (r == 2)
		return c->result;
	return x86_debug_after(c, i, fl0, ev0);
}

/*
 * What a block needs before it runs, when anything is out of the ordinary:
 * dead blocks to free, an interrupt shadow, events to inject, debug
 * registers or TF.  Returns RUN_BLOCK to run the block at cs:rip with
 * *limit, DBG_NONE to look again, or an enum run_result.
 */
#define RUN_BLOCK (-2)

static int before_block_slow(struct x86_cpu *c, uint64_t *limit)
{
	struct vcpu *v = c->v;
	struct block *b;
	int r, err = 0;

	if (c->dead)
		blocks_free_dead(c);
	if (c->shadow) {
		c->shadow = 0;
		*limit = 1;
	} else if (events_waiting(c) && !v->replay.n && x86_inject_pending(c)) {
		return RUN_EXIT;
	}
	if (!(c->dbg_armed | (c->s.rflags & (FL_TF | FL_RF)) | c->db_pending))
		return RUN_BLOCK;
	r = v->replay.n ? DBG_NONE : x86_debug_before(c);
	if (r == RUN_EXIT)
		return RUN_EXIT;
	if (r == DBG_DELIVERED)
		return DBG_NONE;
	b = block_get(c, &err);
	if (!b) {
		fetch_failed(c);
		return RUN_EXIT;
	}
	r = run_one_debug(c, b);
	return r == DBG_DELIVERED ? DBG_NONE : r;
}

/* The block at cs:rip: the jump cache, else block_get. */
static inline struct block *block_at(struct x86_cpu *c, int *err)
{
	uint64_t eip = c->s.rip;
	struct block *b = c->jc[jc_index(eip)];

	if (__builtin_expect(b && b->eip == eip && b->cs_base == c->s.seg[SEG_CS].base &&
			     b->mode == c->mode && b->jc_gen == c->jc_gen, 1))
		return b;
	return block_get(c, err);
}

/*
 * Returns an enum run_result; everything it needs after a longjmp is in c.
 * `budget` counts instructions and the faults delivered since `ints0`.
 *
 * A block ends in a sentinel (h_block_end), so a whole block runs without
 * a bound check; a budget shorter than the block takes the bounded loop.
 * After a block left by a near branch or its sentinel (r >= BLOCK_END)
 * only requests, the budget and dead blocks can need attention: the other
 * checks run after anything else (the first block, r == 1).
 */
static __attribute__((noinline)) int run_blocks(struct x86_cpu *c, uint64_t budget, uint64_t ints0)
{
	struct vcpu *v = c->v;
	uint64_t left = 0, cap;
	int r = 1;

	for (;;) {
		const struct insn *i, *first;
		struct block *b;
		int err = 0;

		cap = left;
		if (__builtin_expect(r < BLOCK_END || c->dead, 0)) {
			uint64_t used = c->done + v->stat[STAT_INTERRUPTS] - ints0;

			if (used >= budget)
				return RUN_DONE;
			cap = left = budget - used;
			if ((uintptr_t)c->dead | c->shadow | events_waiting(c) | c->dbg_armed |
			    (c->s.rflags & (FL_TF | FL_RF)) | c->db_pending) {
				r = before_block_slow(c, &cap);
				if (r == DBG_NONE) {
					/* one instruction ran under debug: a holder may be waiting */
					if (vcpu_should_return(v))
						return RUN_DONE;
					r = 1;
					continue;
				}
				if (r != RUN_BLOCK)
					return r;
			}
		}
		if (vcpu_should_return(v))
			return RUN_DONE;
		b = block_at(c, &err);
		if (!b) {
			fetch_failed(c);
			return RUN_EXIT;
		}
		first = b->insn;
		c->first = i = first;
		if (__builtin_expect(cap >= b->n, 1)) {
			while (!(r = (c->cur = i)->fn(c, i)))
				i++;
		} else {
			c->stop = first + cap;
			for (r = BLOCK_END; i < c->stop; i++) {
				int ri = (c->cur = i)->fn(c, i);

				if (ri) {
					r = ri;
					break;
				}
			}
			if (r == BLOCK_END && i == c->stop)	/* stopped by the budget */
				c->s.rip = i[-1].next;
		}
		c->cur = c->first = NULL;
		c->done += i->idx + (r != BLOCK_END);
		left -= i->idx + (r != BLOCK_END);
		if (r == 2)
			return c->result;
		if (!left)
			return RUN_DONE;
		if (cap < b->n)		/* a shortened block: look at everything again */
			r = 1;
	}
}


enum run_result x86_run(struct vcpu *v, uint64_t budget);
enum run_result x86_run(struct vcpu *v, uint64_t budget)
{
	struct x86_cpu *c = x86_of(v);
	uint64_t ints0 = v->stat[STAT_INTERRUPTS];
	int r;

	c->done = 0;
	c->ran = 1;
	c->delivering = 0;	/* an exit in the middle of a delivery re-executes the instruction */
	c->cur = c->first = NULL;
	switch (setjmp(c->jb)) {
	case 0:
		break;
	case JMP_EXIT:
		if (c->cur) {
			c->done += c->cur - c->first;
			c->s.rip = c->cur->ip;
		}
		c->cur = c->first = NULL;
		r = RUN_EXIT;
		goto out;
	case JMP_FAULT:
		if (c->cur) {
			c->done += c->cur - c->first;
			c->s.rip = c->cur->ip;
		}
		c->cur = c->first = NULL;
		/* a fault taken is a step: a fault loop still ends `step N` */
		v->stat[STAT_INTERRUPTS]++;
		if (x86_deliver_fault(c)) {
			r = RUN_EXIT;
			goto out;
		}
		break;
	}
	r = run_blocks(c, budget, ints0);
out:
	v->stat[STAT_INSNS] += c->done;
	return r;
}
