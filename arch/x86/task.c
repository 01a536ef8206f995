/*
 * Hardware task switches (Intel SDM vol. 3 7.3, and the JMP, CALL, INT n
 * and IRET pages of vol. 2): the current task's registers go into its
 * TSS, the new task's come out of its TSS, TR names the new TSS.
 *
 * What the source of the switch changes:
 *   jmp    old TSS not busy, new busy, NT as the new TSS holds it
 *   call   old stays busy, new busy, new TSS's link = old TR, NT set
 *   event  as call (an interrupt or exception through an IDT task gate)
 *   iret   old not busy (its saved EFLAGS without NT), new stays busy
 * Every switch sets CR0.TS, clears the local breakpoint enables of DR7 and,
 * with paging on, loads CR3 from the new TSS.
 *
 * Faults found before the switch is committed (the new TSS's descriptor,
 * its limit, the memory of both TSSes) leave the old task as it was and
 * return to the instruction that switched.  After the commit point (TR,
 * EIP, EFLAGS and the general registers are the new task's) the LDT and
 * the segment registers are loaded with their checks, and a fault there
 * belongs to the new task: its saved EIP is the new task's first
 * instruction, as the #TS page says.  QEMU's TCG returns such a fault to
 * the instruction that switched instead.
 *
 * The TSS's type gives its format: a 286 TSS (types 1 and 3) holds the
 * 16-bit state (IP, FLAGS, AX..DI, ES CS SS DS, no CR3, FS and GS), a 386
 * TSS (9 and 11) the 32-bit one.  The old task's state goes into its own
 * TSS's format and the new task's comes from the new TSS's, so a switch
 * may cross formats.  Loading a 286 TSS leaves the upper halves of the
 * general registers and of EFLAGS as they were (the SDM leaves them
 * undefined; QEMU's TCG keeps them), but VM clear, and FS and GS null.
 * A new task whose EFLAGS has VM set runs in virtual-8086 mode: its
 * segment registers are loaded as that mode loads them, without checks,
 * at CPL 3.  Long mode has no task switches: the callers raise #GP before
 * coming here.
 */
#include "task.h"
#include "mmu.h"

enum { SRC_JMP, SRC_CALL, SRC_IRET, SRC_EVENT };

#define TSS_LINK 0x00
/* Where a TSS format keeps the state a switch saves and loads. */
struct tss_fmt {
	unsigned w;		/* width of EIP, EFLAGS and the registers */
	unsigned ip, flags, gpr, seg, nseg, ldt, min_limit;
	unsigned cr3;		/* 0: none */
};
static const struct tss_fmt tss16 = { .w = 2, .ip = 0x0e, .flags = 0x10, .gpr = 0x12, .seg = 0x22,
				      .nseg = 4, .ldt = 0x2a, .min_limit = 0x2b };
static const struct tss_fmt tss32 = { .w = 4, .ip = 0x20, .flags = 0x24, .gpr = 0x28, .seg = 0x48,
				      .nseg = 6, .ldt = 0x60, .min_limit = 0x67, .cr3 = 0x1c };

/* The format of a TSS descriptor's type: bit 3 tells 386 from 286. */
static const struct tss_fmt *tss_fmt(unsigned type)
{
	return type & 8 ? &tss32 : &tss16;
}

#define DESC_BUSY 0x200		/* bit 1 of a TSS descriptor's type, in its high dword */
#define DESC_P 0x8000
#define DR7_LOCAL 0x55ull	/* L0-L3 */

struct tss_image {
	uint32_t cr3, eip, eflags, gpr[8];
	uint16_t seg[6], ldt;
};

static int fault(struct task_fault *f, unsigned vec, uint32_t err, int in_new)
{
	f->vec = vec;
	f->err = err;
	f->in_new = in_new;
	return -1;
}

static void set_busy(struct x86_cpu *c, uint16_t sel, int busy)
{
	uint32_t a = (uint32_t)(c->s.gdt.base + (sel & ~7u) + 4), hi = sys_read(c, a, 4);

	sys_write(c, a, 4, busy ? hi | DESC_BUSY : hi & ~DESC_BUSY);
}

/* Segment selectors sit in consecutive slots, 2 bytes apart in a 286 TSS, 4 in a 386 one. */
static void tss_image_read(struct x86_cpu *c, uint32_t base, const struct tss_fmt *t, struct tss_image *n)
{
	*n = (struct tss_image){ 0 };
	if (t->cr3)
		n->cr3 = sys_read(c, (uint32_t)(base + t->cr3), 4);
	n->eip = sys_read(c, (uint32_t)(base + t->ip), t->w);
	n->eflags = sys_read(c, (uint32_t)(base + t->flags), t->w);
	for (unsigned k = 0; k < 8; k++)
		n->gpr[k] = sys_read(c, (uint32_t)(base + t->gpr + t->w * k), t->w);
	for (unsigned k = 0; k < t->nseg; k++)
		n->seg[k] = sys_read(c, (uint32_t)(base + t->seg + t->w * k), 2);
	n->ldt = sys_read(c, (uint32_t)(base + t->ldt), 2);
}

static void tss_save(struct x86_cpu *c, uint32_t base, const struct tss_fmt *t, uint64_t eip,
		     uint64_t eflags)
{
	sys_write(c, (uint32_t)(base + t->ip), t->w, (uint32_t)eip);
	sys_write(c, (uint32_t)(base + t->flags), t->w, (uint32_t)eflags);
	for (unsigned k = 0; k < 8; k++)
		sys_write(c, (uint32_t)(base + t->gpr + t->w * k), t->w, (uint32_t)c->s.gpr[k]);
	for (unsigned k = 0; k < t->nseg; k++)
		sys_write(c, (uint32_t)(base + t->seg + t->w * k), 2, c->s.seg[k].sel);
}

/* The new task's LDT: a present LDT descriptor in the GDT, or a null selector. */
static int load_ldt(struct x86_cpu *c, uint16_t sel, unsigned ext, struct task_fault *f)
{
	uint32_t lo, hi;
	struct x86_seg d;

	if (!(sel & ~3u)) {
		c->s.seg[SEG_LDT] = (struct x86_seg){ .sel = sel };
		return 0;
	}
	if ((sel & 4) || seg_desc_raw(c, sel, &lo, &hi))
		return fault(f, EXC_TS, (sel & ~3u) | ext, 1);
	seg_desc_parse(lo, hi, sel, &d);
	if (d.s || d.type != 2 || !d.p)
		return fault(f, EXC_TS, (sel & ~3u) | ext, 1);
	c->s.seg[SEG_LDT] = d;
	return 0;
}

/*
 * A segment register of the new task at privilege cpl (its CS's RPL):
 * the checks of mov to a segment register, but #TS where those raise
 * #GP, and a null CS or SS is #TS too.
 */
static int load_seg(struct x86_cpu *c, unsigned seg, uint16_t sel, unsigned cpl, unsigned ext,
		    struct task_fault *f)
{
	uint32_t err = (sel & ~3u) | ext;
	unsigned rpl = sel & 3;
	struct x86_seg d;
	int v;

	if (!(sel & ~3u)) {
		if (seg == SEG_CS || seg == SEG_SS)
			return fault(f, EXC_TS, err, 1);
		c->s.seg[seg] = (struct x86_seg){ .sel = sel };
		return 0;
	}
	if (seg_desc_read(c, sel, &d, &v) || !d.s)
		return fault(f, EXC_TS, err, 1);
	if (seg == SEG_CS) {
		if (!(d.type & 8) || (d.type & 4 ? d.dpl > cpl : d.dpl != cpl))
			return fault(f, EXC_TS, err, 1);
		if (!d.p)
			return fault(f, EXC_NP, err, 1);
		d.dpl = cpl;	/* CS caches the CPL, for conforming code too */
	} else if (seg == SEG_SS) {
		if ((d.type & 0xa) != 2 || d.dpl != cpl || rpl != cpl)
			return fault(f, EXC_TS, err, 1);
		if (!d.p)
			return fault(f, EXC_SS, err, 1);
	} else {
		if ((d.type & 0xa) == 8)	/* execute-only code */
			return fault(f, EXC_TS, err, 1);
		if ((!(d.type & 8) || !(d.type & 4)) && (d.dpl < cpl || d.dpl < rpl))
			return fault(f, EXC_TS, err, 1);
		if (!d.p)
			return fault(f, EXC_NP, err, 1);
	}
	c->s.seg[seg] = d;
	return 0;
}

/*
 * Switch to the TSS sel whose descriptor is lo, hi (a TSS, present; its
 * busy bit checked by the caller as the source requires).  next_ip: the
 * EIP the old task resumes at.  ext: the EXT bit of error codes.
 */
static int task_switch(struct x86_cpu *c, uint16_t sel, uint32_t lo, uint32_t hi, int src, uint64_t next_ip,
		       unsigned ext, struct task_fault *f)
{
	static const unsigned order[] = { SEG_CS, SEG_SS, SEG_ES, SEG_DS, SEG_FS, SEG_GS };
	struct x86_seg nt, *tr = &c->s.seg[SEG_TR];
	uint32_t old_base = (uint32_t)tr->base;
	uint16_t old_sel = tr->sel;
	const struct tss_fmt *ot = tss_fmt(tr->type), *t;
	struct tss_image n;
	uint64_t ofl;
	unsigned cpl, v86;

	seg_desc_parse(lo, hi, sel, &nt);
	t = tss_fmt(nt.type);
	if ((sel & 4) || nt.limit < t->min_limit)
		return fault(f, EXC_TS, (sel & ~3u) | ext, 0);
	tss_image_read(c, (uint32_t)nt.base, t, &n);
	v86 = !!(n.eflags & FL_VM);

	ofl = flags_get(c);
	if (src == SRC_IRET)
		ofl &= ~(uint64_t)FL_NT;
	tss_save(c, old_base, ot, next_ip, ofl);
	if (t->w == 2) {
		n.eflags |= (uint32_t)ofl & 0xffff0000u & ~(uint32_t)FL_VM;
		for (unsigned k = 0; k < 8; k++)
			n.gpr[k] |= (uint32_t)c->s.gpr[k] & 0xffff0000u;
	}
	if (src == SRC_CALL || src == SRC_EVENT) {
		sys_write(c, (uint32_t)(nt.base + TSS_LINK), 2, old_sel);
		n.eflags |= FL_NT;
	}
	if (src == SRC_JMP || src == SRC_IRET)
		set_busy(c, old_sel, 0);
	if (src != SRC_IRET)
		set_busy(c, sel, 1);

	/* committed: a fault from here on is the new task's, at its EIP */
	c->cur = c->first = NULL;
	nt.type |= 2;
	*tr = nt;
	c->s.cr0 |= CR0_TS;
	c->s.rip = n.eip;
	flags_set(c, n.eflags);
	for (unsigned k = 0; k < 8; k++)
		c->s.gpr[k] = n.gpr[k];
	cpl = v86 ? 3 : n.seg[SEG_CS] & 3;
	/* the selectors first, unusable until each descriptor passes its checks;
	 * virtual-8086 segments have no descriptors and nothing to check */
	for (unsigned k = 0; k < 6; k++) {
		if (v86)
			seg_v86(&c->s.seg[k], n.seg[k]);
		else
			c->s.seg[k] = (struct x86_seg){ .sel = n.seg[k], .dpl = k == SEG_CS ? cpl : 0 };
	}
	c->s.seg[SEG_LDT] = (struct x86_seg){ .sel = n.ldt };
	x86_mode_update(c);
	if (c->s.dr7 & DR7_LOCAL) {
		c->s.dr7 &= ~DR7_LOCAL;
		x86_debug_update(c);
	}
	if ((c->s.cr0 & CR0_PG) && t->cr3)
		mmu_cr3_write(c, n.cr3);
	if (load_ldt(c, n.ldt, ext, f))
		return -1;
	for (unsigned k = 0; k < 6 && !v86; k++)
		if (load_seg(c, order[k], n.seg[order[k]], cpl, ext, f)) {
			x86_mode_update(c);
			return -1;
		}
	x86_mode_update(c);
	if (n.eip > c->s.seg[SEG_CS].limit)
		return fault(f, EXC_GP, ext, 1);
	return 0;
}

/*
 * A fault after the commit point returns to the new task's EIP: the run
 * loop keeps rip as it is, since the switch cleared c->cur.
 */
static void raise_if(struct x86_cpu *c, int r, const struct task_fault *f)
{
	if (r)
		x86_fault(c, f->vec, 1, f->err);
}

void task_far(struct x86_cpu *c, uint16_t sel, uint32_t lo, uint32_t hi, int call, uint64_t next_ip)
{
	unsigned type = (hi >> 8) & 0xf, dpl = (hi >> 13) & 3;
	uint16_t tsel = sel;
	struct task_fault f;

	if (dpl < c->cpl || dpl < (sel & 3u))
		x86_fault(c, EXC_GP, 1, sel & ~3u);
	if (type == 5) {
		if (!(hi & DESC_P))
			x86_fault(c, EXC_NP, 1, sel & ~3u);
		tsel = lo >> 16;
		/* the gate's TSS: in the GDT, an available TSS (busy is #GP) */
		if ((tsel & 4) || seg_desc_raw(c, tsel, &lo, &hi))
			x86_fault(c, EXC_GP, 1, tsel & ~3u);
		type = (hi >> 8) & 0x1f;
		if (type != 1 && type != 9)
			x86_fault(c, EXC_GP, 1, tsel & ~3u);
	}
	if (!(hi & DESC_P))
		x86_fault(c, EXC_NP, 1, tsel & ~3u);
	raise_if(c, task_switch(c, tsel, lo, hi, call ? SRC_CALL : SRC_JMP, next_ip, 0, &f), &f);
}

void task_iret(struct x86_cpu *c, uint64_t next_ip)
{
	uint16_t sel = sys_read(c, (uint32_t)(c->s.seg[SEG_TR].base + TSS_LINK), 2);
	uint32_t lo, hi;
	struct task_fault f;

	/* the link must name a busy TSS in the GDT */
	if ((sel & 4) || seg_desc_raw(c, sel, &lo, &hi) || ((hi >> 8) & 0x17) != 3)
		x86_fault(c, EXC_TS, 1, sel & ~3u);
	if (!(hi & DESC_P))
		x86_fault(c, EXC_NP, 1, sel & ~3u);
	raise_if(c, task_switch(c, sel, lo, hi, SRC_IRET, next_ip, 0, &f), &f);
}

int task_gate_event(struct x86_cpu *c, uint32_t gate_lo, int has_err, uint32_t err, unsigned ext,
		    uint64_t ret_ip, struct task_fault *f)
{
	uint16_t sel = gate_lo >> 16;
	uint32_t lo, hi, type;
	unsigned ss;
	uint64_t sp;

	if ((sel & 4) || seg_desc_raw(c, sel, &lo, &hi))
		return fault(f, EXC_GP, (sel & ~3u) | ext, 0);
	type = (hi >> 8) & 0x1f;
	if (type != 1 && type != 9)
		return fault(f, EXC_GP, (sel & ~3u) | ext, 0);
	if (!(hi & DESC_P))
		return fault(f, EXC_NP, (sel & ~3u) | ext, 0);
	if (task_switch(c, sel, lo, hi, SRC_EVENT, ret_ip, ext, f))
		return -1;
	if (has_err) {
		/* as wide as the new TSS's registers: a word for a 286 TSS, a dword for a 386 one */
		unsigned w = tss_fmt(c->s.seg[SEG_TR].type)->w;

		ss = c->s.seg[SEG_SS].db ? 4 : 2;
		sp = (sp_get(c, ss) - w) & size_mask(ss);
		seg_write(c, SEG_SS, sp, w, err);
		sp_put(c, ss, sp);
	}
	return 0;
}
