/*
 * String instructions with rep/repe/repne.  Every iteration is committed on
 * its own (registers advance after its accesses), so an exit or fault in
 * the middle restarts at the right element, as on hardware.  A long rep
 * yields to pending requests with rip still on the instruction.
 */
#include "exec.h"

#define YIELD_EVERY 4096

static inline uint64_t idx(struct x86_cpu *c, unsigned r, unsigned as)
{
	return c->s.gpr[r] & size_mask(as);
}

static inline void adv(struct x86_cpu *c, unsigned r, unsigned as, int64_t d)
{
	uint64_t v = c->s.gpr[r] + d;

	if (as == 2)
		c->s.gpr[r] = (c->s.gpr[r] & ~0xffffull) | (v & 0xffff);
	else if (as == 4)
		c->s.gpr[r] = (uint32_t)v;
	else
		c->s.gpr[r] = v;
}

static inline int64_t step_of(struct x86_cpu *c, unsigned size)
{
	return c->s.rflags & FL_DF ? -(int64_t)size : (int64_t)size;
}

/* A replayed device access was consumed by a committed iteration: forget it. */
static inline void replay_done(struct x86_cpu *c)
{
	struct io_replay *rp = &c->v->replay;

	if (rp->n && rp->pos == rp->n)
		rp->n = rp->pos = 0;
}

/*
 * Iteration control shared by all: returns 1 to run one more element,
 * 0 when done.  `k` counts iterations for the yield check.
 */
static inline int more(struct x86_cpu *c, const struct insn *i, unsigned k)
{
	if (k)
		replay_done(c);
	if (!i->rep)
		return k == 0;
	if (!idx(c, RCX, i->as))
		return 0;
	/* a data breakpoint traps after the element that hit it, rip on the instruction */
	if (k && (c->db_hits || (k % YIELD_EVERY == 0 && vcpu_should_return(c->v))))
		return -1;
	return 1;
}

/* rep finished (rip moves on) or yielded (rip stays, the rest runs later). */
static int finish(struct x86_cpu *c, const struct insn *i, int r)
{
	c->s.rip = r < 0 ? i->ip : i->next;
	return 1;
}

int h_movs(struct x86_cpu *c, const struct insn *i)
{
	unsigned sz = i->op, as = i->as, k = 0;
	int64_t d = step_of(c, sz);
	int r;

	while ((r = more(c, i, k++)) > 0) {
		uint64_t v = seg_read(c, i->seg, idx(c, RSI, as), sz);

		seg_write(c, SEG_ES, idx(c, RDI, as), sz, v);
		adv(c, RSI, as, d);
		adv(c, RDI, as, d);
		if (i->rep)
			adv(c, RCX, as, -1);
	}
	return i->rep ? finish(c, i, r) : 0;
}

int h_stos(struct x86_cpu *c, const struct insn *i)
{
	unsigned sz = i->op, as = i->as, k = 0;
	int64_t d = step_of(c, sz);
	uint64_t v = c->s.gpr[RAX];
	int r;

	while ((r = more(c, i, k++)) > 0) {
		seg_write(c, SEG_ES, idx(c, RDI, as), sz, v);
		adv(c, RDI, as, d);
		if (i->rep)
			adv(c, RCX, as, -1);
	}
	return i->rep ? finish(c, i, r) : 0;
}

int h_lods(struct x86_cpu *c, const struct insn *i)
{
	unsigned sz = i->op, as = i->as, k = 0;
	int64_t d = step_of(c, sz);
	int r;

	while ((r = more(c, i, k++)) > 0) {
		reg_put(c, RAX * 8, sz, seg_read(c, i->seg, idx(c, RSI, as), sz));
		adv(c, RSI, as, d);
		if (i->rep)
			adv(c, RCX, as, -1);
	}
	return i->rep ? finish(c, i, r) : 0;
}

/* cmps and scas stop early on repe/repne; flags as cmp. */
static int compare(struct x86_cpu *c, const struct insn *i, int scas)
{
	unsigned sz = i->op, as = i->as, k = 0;
	int64_t d = step_of(c, sz);
	uint64_t m = size_mask(sz);
	int r;

	while ((r = more(c, i, k++)) > 0) {
		uint64_t a, b;

		if (scas) {
			a = c->s.gpr[RAX] & m;
		} else {
			a = seg_read(c, i->seg, idx(c, RSI, as), sz);
		}
		b = seg_read(c, SEG_ES, idx(c, RDI, as), sz);
		lf_set(c, LF_SUB, sz, (a - b) & m, a, b);
		if (!scas)
			adv(c, RSI, as, d);
		adv(c, RDI, as, d);
		if (!i->rep)
			break;
		adv(c, RCX, as, -1);
		if ((i->rep == REP_E) != (a == b))
			break;
	}
	return i->rep ? finish(c, i, r < 0 ? r : 0) : 0;
}

int h_cmps(struct x86_cpu *c, const struct insn *i)
{
	return compare(c, i, 0);
}

int h_scas(struct x86_cpu *c, const struct insn *i)
{
	return compare(c, i, 1);
}

int h_ins(struct x86_cpu *c, const struct insn *i)
{
	unsigned sz = i->op, as = i->as, k = 0;
	int64_t d = step_of(c, sz);
	uint16_t port = c->s.gpr[RDX];
	int r;

	x86_io_check(c, port, sz);
	while ((r = more(c, i, k++)) > 0) {
		uint64_t v;

		if (vcpu_io(c->v, 0, port, sz, 0, &v))
			x86_exit_now(c);
		seg_write(c, SEG_ES, idx(c, RDI, as), sz, v);
		adv(c, RDI, as, d);
		if (i->rep)
			adv(c, RCX, as, -1);
	}
	return i->rep ? finish(c, i, r) : 0;
}

int h_outs(struct x86_cpu *c, const struct insn *i)
{
	unsigned sz = i->op, as = i->as, k = 0;
	int64_t d = step_of(c, sz);
	uint16_t port = c->s.gpr[RDX];
	int r;

	x86_io_check(c, port, sz);
	while ((r = more(c, i, k++)) > 0) {
		uint64_t v = seg_read(c, i->seg, idx(c, RSI, as), sz);

		if (vcpu_io(c->v, 0, port, sz, 1, &v))
			x86_exit_now(c);
		adv(c, RSI, as, d);
		if (i->rep)
			adv(c, RCX, as, -1);
	}
	return i->rep ? finish(c, i, r) : 0;
}
