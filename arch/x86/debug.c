/*
 * Debug registers and single-step: DR0-3 with DR7 as breakpoints
 * (execute: a fault before the instruction; write or read/write: a trap
 * after it), EFLAGS.TF (a trap after every instruction it was set for),
 * DR6 reporting and RF.  With guest debugging on (`debug on`), the same
 * events end the run with reason=debug instead of reaching the guest, as
 * KVM_SET_GUEST_DEBUG does.
 *
 * The cost is paid only while something is armed: the run loop then runs
 * one instruction at a time and calls in here around it, and pages with a
 * data breakpoint stay out of the soft TLB, so that every access to them
 * takes the slow path, where x86_watch() looks at it.
 */
#include "exec.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

#define DR6_HITS 0xfu

static int bp_enabled(const struct x86_cpu *c, unsigned n)
{
	return (c->s.dr7 >> (2 * n)) & 3;
}

/* R/W field: 0 execute, 1 data write, 2 I/O (not modelled), 3 data read or write. */
static unsigned bp_rw(const struct x86_cpu *c, unsigned n)
{
	return (c->s.dr7 >> (16 + 4 * n)) & 3;
}

/* LEN field: 0 one byte, 1 two, 3 four, 2 eight. */
static unsigned bp_len(const struct x86_cpu *c, unsigned n)
{
	static const unsigned len[4] = { 1, 2, 8, 4 };

	return len[(c->s.dr7 >> (18 + 4 * n)) & 3];
}

/* The watched range starts at the address aligned down to its length, as on the CPU. */
static uint64_t bp_addr(const struct x86_cpu *c, unsigned n)
{
	uint64_t a = c->s.dr[n] & ~(uint64_t)(bp_len(c, n) - 1);

	return c->mode & MODE_LMA ? a : (uint32_t)a;
}

static int bp_is_data(const struct x86_cpu *c, unsigned n)
{
	return bp_rw(c, n) == 1 || bp_rw(c, n) == 3;
}

void x86_debug_update(struct x86_cpu *c)
{
	c->dbg_armed = 0;
	c->watching = 0;
	for (unsigned n = 0; n < 4; n++) {
		if (!bp_enabled(c, n))
			continue;
		if (!bp_rw(c, n))
			c->dbg_armed = 1;
		else if (bp_is_data(c, n))
			c->dbg_armed = c->watching = 1;
	}
	/* pages that gained a data breakpoint must leave the soft TLB */
	tlb_flush(c);
}

int x86_watch_page(const struct x86_cpu *c, uint64_t lin)
{
	for (unsigned n = 0; n < 4; n++)
		if (bp_enabled(c, n) && bp_is_data(c, n) && ((bp_addr(c, n) ^ lin) & PAGE_MASK) == 0)
			return 1;
	return 0;
}

void x86_watch(struct x86_cpu *c, uint64_t lin, unsigned size, int write)
{
	for (unsigned n = 0; n < 4; n++) {
		uint64_t a = bp_addr(c, n);

		if (!bp_enabled(c, n) || !(bp_rw(c, n) == 3 || (bp_rw(c, n) == 1 && write)))
			continue;
		if (lin < a + bp_len(c, n) && a < lin + size)
			c->db_hits |= 1u << n;
	}
}

static int debug_exit(struct x86_cpu *c, unsigned kind, uint64_t addr)
{
	vcpu_set_exit(c->v, EXIT_DEBUG);
	c->v->exit.debug.kind = kind;
	c->v->exit.debug.pc = c->s.rip;
	c->v->exit.debug.addr = addr;
	return RUN_EXIT;
}

/* A #DB for the guest: counted as a step, like every fault taken. */
static int deliver_db(struct x86_cpu *c)
{
	c->v->stat[STAT_INTERRUPTS]++;
	return x86_deliver(c, EXC_DB, 0, 0, 0, c->s.rip) ? RUN_EXIT : DBG_DELIVERED;
}

int x86_debug_before(struct x86_cpu *c)
{
	uint64_t lin = c->mode & MODE_LONG ? c->s.rip : (uint32_t)(c->s.seg[SEG_CS].base + c->s.rip);
	unsigned hits = 0, enabled = 0;

	if (c->db_pending & DB_NOW) {
		unsigned bits = c->db_pending & ~DB_NOW;

		c->db_pending = 0;
		if (c->guest_debug)
			return debug_exit(c, 0, 0);
		c->s.dr6 |= bits;
		return deliver_db(c);
	}

	/* RF: the instruction a #DB handler returned to runs once without its breakpoint */
	if (c->s.rflags & FL_RF)
		return DBG_NONE;
	for (unsigned n = 0; n < 4; n++) {
		if (bp_rw(c, n) || c->s.dr[n] != lin)
			continue;
		hits |= 1u << n;
		if (bp_enabled(c, n))
			enabled = 1;
	}
	if (!enabled)
		return DBG_NONE;
	if (c->guest_debug) {
		/* as the guest's handler would, so that `run` goes on past it */
		c->s.rflags |= FL_RF;
		return debug_exit(c, 1, lin);
	}
	c->s.dr6 = (c->s.dr6 & ~(uint64_t)DR6_HITS) | hits;
	return deliver_db(c);
}

int x86_debug_after(struct x86_cpu *c, const struct insn *i, uint64_t fl0, uint64_t events0)
{
	unsigned bits = c->db_pending & ~DB_NOW;
	unsigned data = c->db_hits;

	c->db_hits = 0;
	c->db_pending = 0;
	if (i->fn != h_iret)		/* iret loads RF; everything else retires it */
		c->s.rflags &= ~(uint64_t)FL_RF;
	/*
	 * int n and friends: the gate cleared TF and the handler runs
	 * unstepped.  syscall steps by the TF it leaves (FMASK may clear it:
	 * no trap in the kernel, as Linux relies on); sysret's own trap is
	 * DB_NOW, set above.
	 */
	if (i->fn == h_syscall)
		fl0 = c->s.rflags;
	else if (i->fn == h_sysret)
		fl0 = 0;
	if ((fl0 & FL_TF) && c->v->astat[X86_STAT_EVENTS] == events0)
		bits |= DR6_BS;
	bits |= data;
	if (!bits)
		return DBG_NONE;
	/* mov ss / pop ss hold debug traps back for one more instruction */
	if (c->shadow && i->fn != h_sti) {
		c->db_pending = bits;
		return DBG_NONE;
	}
	if (c->guest_debug) {
		if (bits & DR6_HITS)
			return debug_exit(c, 2, bp_addr(c, __builtin_ctz(bits & DR6_HITS)));
		return debug_exit(c, 0, 0);
	}
	if (bits & DR6_HITS)
		c->s.dr6 = (c->s.dr6 & ~(uint64_t)DR6_HITS) | (bits & DR6_HITS);
	c->s.dr6 |= bits & DR6_BS;
	return deliver_db(c);
}

int x86_set_guest_debug(struct vm *vm, int on, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	for (int n = 0; n < vm->ncpus; n++)
		x86_of(vm->vcpu[n])->guest_debug = !!on;
	vm_log(vm, "guest debugging %s: breakpoints, watchpoints and TF steps %s", on ? "on" : "off",
	       on ? "end the run (reason=debug)" : "reach the guest as #DB");
	return 0;
}
