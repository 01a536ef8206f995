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

/* Returns an enum run_result; everything it needs after a longjmp is in c. */
/* `budget` counts instructions and the faults delivered since `ints0`. */
static __attribute__((noinline)) int run_blocks(struct x86_cpu *c, uint64_t budget, uint64_t ints0)
{
	struct vcpu *v = c->v;

	for (;;) {
		const struct insn *i, *first;
		struct block *b;
		uint64_t limit, used;
		int in_shadow, r, err = 0;

		if (c->dead)
			blocks_free_dead(c);
		used = c->done + v->stat[STAT_INTERRUPTS] - ints0;
		if (used >= budget || vcpu_should_return(v))
			return RUN_DONE;
		limit = budget - used;
		in_shadow = c->shadow;
		c->shadow = 0;
		if (in_shadow)
			limit = 1;
		else if (events_waiting(c) && !v->replay.n && x86_inject_pending(c))
			return RUN_EXIT;
		if (__builtin_expect(c->dbg_armed | (c->s.rflags & (FL_TF | FL_RF)) | c->db_pending, 0)) {
			r = v->replay.n ? DBG_NONE : x86_debug_before(c);
			if (r == RUN_EXIT)
				return RUN_EXIT;
			if (r == DBG_DELIVERED)
				continue;
			b = block_get(c, &err);
			if (!b) {
				fetch_failed(c);
				return RUN_EXIT;
			}
			r = run_one_debug(c, b);
			if (r == DBG_NONE || r == DBG_DELIVERED)
				continue;
			return r;
		}
		b = block_get(c, &err);
		if (!b) {
			fetch_failed(c);
			return RUN_EXIT;
		}
		first = b->insn;
		c->first = first;
		c->stop = first + (limit < b->n ? limit : b->n);
		for (i = first; i < c->stop; i++) {
			c->cur = i;
			r = i->fn(c, i);
			if (__builtin_expect(r != 0, 0)) {
				c->done += i - first + 1;
				c->cur = c->first = NULL;
				if (r == 2)
					return c->result;
				goto next;
			}
		}
		c->done += i - first;
		c->s.rip = i[-1].next;
		c->cur = c->first = NULL;
next:
		;
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
		if (x86_deliver(c, c->fault_vec, c->fault_has_err, c->fault_err, 0, c->s.rip)) {
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
