/*
 * Far jmp, call, ret and iret in protected and long mode (Intel SDM vol. 3
 * 5.8 and the JMP, CALL, RET, IRET pages of vol. 2, as QEMU implements
 * them).  A jmp or call goes straight to a code segment (conforming: from
 * its DPL or an outer ring, CPL unchanged; non-conforming: from its own
 * ring only) or through a call gate.  A call through a gate to a more
 * privileged non-conforming segment switches to the stack the TSS holds
 * for that ring and pushes the caller's SS:ESP, the gate's count of
 * parameters copied from the caller's stack, and CS:EIP, all at the gate's
 * size.  A return to an outer ring reloads SS:ESP from the frame and nulls
 * the data segments the outer ring may not use.
 *
 * Everything is checked and every frame word written before a register
 * changes, so a fault or an exit to userspace leaves the caller as it was.
 * A TSS descriptor or a task gate outside long mode is a task switch
 * (task.c).
 */
#include "exec.h"
#include "task.h"

static _Noreturn void fault_sel(struct x86_cpu *c, unsigned vec, uint16_t sel)
{
	x86_fault(c, vec, 1, sel & ~3u);
}

/* The new rIP must lie inside the code segment, except in 64-bit code. */
static void check_rip(struct x86_cpu *c, const struct x86_seg *d, uint64_t rip)
{
	if (!((c->mode & MODE_LMA) && d->l) && rip > d->limit)
		x86_fault(c, EXC_GP, 1, 0);
}

/* The descriptor a far transfer names: #GP(0) for a null selector, #GP(sel) outside its table. */
static void target_desc(struct x86_cpu *c, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
	if (!(sel & ~3u))
		x86_fault(c, EXC_GP, 1, 0);
	if (seg_desc_raw(c, sel, lo, hi))
		fault_sel(c, EXC_GP, sel);
}

/* A code segment a jmp or call enters without a gate. */
static void direct_code_check(struct x86_cpu *c, uint16_t sel, const struct x86_seg *d)
{
	unsigned cpl = c->cpl;

	if (!(d->type & 8))
		fault_sel(c, EXC_GP, sel);
	if (d->type & 4 ? d->dpl > cpl : (sel & 3) > cpl || d->dpl != cpl)
		fault_sel(c, EXC_GP, sel);
	if (!d->p)
		fault_sel(c, EXC_NP, sel);
}

/* CS with the CPL in its RPL and cached DPL (conforming code too); mode update by the caller. */
static void set_cs(struct x86_cpu *c, struct x86_seg *d, unsigned cpl, uint64_t rip)
{
	d->sel = (d->sel & ~3u) | cpl;
	d->dpl = cpl;
	c->s.seg[SEG_CS] = *d;
	c->s.rip = rip;
}

struct gate {
	uint16_t sel;		/* the code segment */
	uint64_t off;
	unsigned params;	/* words or dwords a call inward copies */
	unsigned size;		/* 2 (16-bit gate), 4 (32-bit gate) or 8 (long mode) */
};

/*
 * A call gate as the target of a far jmp or call (16 bytes in long mode,
 * where only the 64-bit gate exists and the upper half has type 0).
 */
static void gate_read(struct x86_cpu *c, uint16_t sel, uint32_t lo, uint32_t hi, struct gate *g)
{
	unsigned type = (hi >> 8) & 0xf, dpl = (hi >> 13) & 3, rpl = sel & 3;
	uint32_t lo2, hi2;

	if ((c->mode & MODE_LMA) && type != 12)
		fault_sel(c, EXC_GP, sel);
	if (type != 4 && type != 12)
		fault_sel(c, EXC_GP, sel);
	if (dpl < c->cpl || dpl < rpl)
		fault_sel(c, EXC_GP, sel);
	if (!(hi & 0x8000))
		fault_sel(c, EXC_NP, sel);
	g->sel = lo >> 16;
	g->off = (lo & 0xffff) | (type == 12 ? hi & 0xffff0000 : 0);
	g->params = hi & 0x1f;
	g->size = type == 12 ? 4 : 2;
	if (c->mode & MODE_LMA) {
		if (seg_desc_raw(c, sel + 8, &lo2, &hi2) || ((hi2 >> 8) & 0x1f))
			fault_sel(c, EXC_GP, sel);
		g->off |= (uint64_t)lo2 << 32;
		g->params = 0;
		g->size = 8;
	}
}

/* The code segment a gate leads to; long mode requires 64-bit code. */
static void gate_target(struct x86_cpu *c, const struct gate *g, struct x86_seg *d)
{
	uint32_t lo, hi;

	target_desc(c, g->sel, &lo, &hi);
	seg_desc_parse(lo, hi, g->sel, d);
	if (!d->s || !(d->type & 8))
		fault_sel(c, EXC_GP, g->sel);
}

static void gate_target_mode(struct x86_cpu *c, const struct gate *g, const struct x86_seg *d)
{
	if ((c->mode & MODE_LMA) && (!d->l || d->db))
		fault_sel(c, EXC_GP, g->sel);
	if (!d->p)
		fault_sel(c, EXC_NP, g->sel);
}

enum far_kind { FAR_DIRECT, FAR_TASK, FAR_GATE };

/*
 * What a far jmp or call to sel reaches: a code segment (checked, in *d), a
 * task (switched to already), or a call gate (read into *g, its target in *d).
 */
static enum far_kind far_target(struct x86_cpu *c, const struct insn *i, uint16_t sel,
				struct x86_seg *d, struct gate *g, int call)
{
	uint32_t lo, hi;

	target_desc(c, sel, &lo, &hi);
	seg_desc_parse(lo, hi, sel, d);
	if (d->s) {
		direct_code_check(c, sel, d);
		return FAR_DIRECT;
	}
	if (!(c->mode & MODE_LMA) && task_desc_type(d->type)) {
		task_far(c, sel, lo, hi, call, i->next);
		return FAR_TASK;
	}
	gate_read(c, sel, lo, hi, g);
	gate_target(c, g, d);
	return FAR_GATE;
}

void far_jmp(struct x86_cpu *c, const struct insn *i, uint16_t sel, uint64_t off)
{
	struct x86_seg d;
	struct gate g;

	switch (far_target(c, i, sel, &d, &g, 0)) {
	case FAR_DIRECT:
		off &= size_mask(i->os);
		break;
	case FAR_TASK:
		return;
	case FAR_GATE:
		if (d.type & 4 ? d.dpl > c->cpl : d.dpl != c->cpl)
			fault_sel(c, EXC_GP, g.sel);
		gate_target_mode(c, &g, &d);
		off = g.off;
		break;
	}
	check_rip(c, &d, off);
	set_cs(c, &d, c->cpl, off);
	x86_mode_update(c);
}

/* Write a frame of n words of `size` bytes below sp on the stack described by ss (base, width). */
static void frame_write(struct x86_cpu *c, const struct x86_seg *ss, unsigned width, uint64_t sp,
			const uint64_t *words, unsigned n, unsigned size)
{
	uint64_t m = size_mask(width);

	for (unsigned k = 0; k < n; k++) {
		uint64_t a = (sp - (k + 1) * size) & m;

		/* a 64-bit stack (long mode call gates) has no base and no 32-bit wrap;
		 * the push belongs to the inner ring, so a supervisor access, as for interrupts */
		sv_write(c, width == 8 ? a : (uint32_t)(ss->base + a), size, words[k]);
	}
}

/* Through a call gate to a more privileged ring: the TSS stack, parameters copied. */
static void call_inward(struct x86_cpu *c, const struct insn *i, const struct gate *g, struct x86_seg *d)
{
	unsigned ncpl = d->dpl, width, n = 0;
	uint64_t words[4 + 31], osp = sp_get(c, i->ss), nsp;
	struct x86_seg nss;

	x86_tss_stack(c, ncpl, &nss, &nsp);
	width = g->size == 8 ? 8 : nss.db ? 4 : 2;
	nsp &= size_mask(width);
	words[n++] = c->s.seg[SEG_SS].sel;
	words[n++] = c->s.gpr[RSP];
	for (unsigned k = g->params; k-- > 0;)
		words[n++] = seg_read(c, SEG_SS, (osp + k * g->size) & size_mask(i->ss), g->size);
	words[n++] = c->s.seg[SEG_CS].sel;
	words[n++] = i->next;
	frame_write(c, &nss, width, nsp, words, n, g->size);
	nsp -= n * g->size;
	c->s.seg[SEG_SS] = nss;
	if (width == 2)
		c->s.gpr[RSP] = (c->s.gpr[RSP] & ~0xffffull) | (nsp & 0xffff);
	else
		c->s.gpr[RSP] = nsp & size_mask(width);
	set_cs(c, d, ncpl, g->off);
	x86_mode_update(c);
}

void far_call(struct x86_cpu *c, const struct insn *i, uint16_t sel, uint64_t off)
{
	uint64_t sp = sp_get(c, i->ss);
	unsigned size = i->os;
	int gated = 0;
	struct x86_seg d;
	struct gate g;

	switch (far_target(c, i, sel, &d, &g, 1)) {
	case FAR_DIRECT:
		off &= size_mask(i->os);
		break;
	case FAR_TASK:
		return;
	case FAR_GATE:
		if (d.dpl > c->cpl)
			fault_sel(c, EXC_GP, g.sel);
		gate_target_mode(c, &g, &d);
		off = g.off;
		size = g.size;
		gated = 1;
		break;
	}
	check_rip(c, &d, off);
	if (gated && !(d.type & 4) && d.dpl < c->cpl) {
		call_inward(c, i, &g, &d);
		return;
	}
	/* same ring: CS and the return address on the current stack */
	seg_write(c, SEG_SS, (sp - size) & size_mask(i->ss), size, c->s.seg[SEG_CS].sel);
	seg_write(c, SEG_SS, (sp - 2 * size) & size_mask(i->ss), size, i->next);
	sp_put(c, i->ss, sp - 2 * size);
	set_cs(c, &d, c->cpl, off);
	x86_mode_update(c);
}

/*
 * The stack segment a return to ring rpl loads: a writable data segment
 * of that ring; long mode allows a null SS outside ring 3.
 */
static void return_stack(struct x86_cpu *c, uint16_t sel, unsigned rpl, struct x86_seg *d)
{
	uint32_t lo, hi;

	if (!(sel & ~3u)) {
		if (!(c->mode & MODE_LMA) || rpl == 3)
			x86_fault(c, EXC_GP, 1, 0);
		*d = (struct x86_seg){ .sel = sel, .limit = 0xffffffff, .type = 3, .s = 1, .dpl = rpl,
				       .p = 1, .db = 1, .g = 1 };
		return;
	}
	if ((sel & 3) != rpl || seg_desc_raw(c, sel, &lo, &hi))
		fault_sel(c, EXC_GP, sel);
	seg_desc_parse(lo, hi, sel, d);
	if (!d->s || (d->type & 0xa) != 2 || d->dpl != rpl)
		fault_sel(c, EXC_GP, sel);
	if (!d->p)
		fault_sel(c, EXC_NP, sel);
}

/* Data segments (and non-conforming code) more privileged than the new CPL become null. */
static void null_inner_segments(struct x86_cpu *c, unsigned cpl)
{
	static const unsigned segs[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };

	for (unsigned k = 0; k < 4; k++) {
		struct x86_seg *d = &c->s.seg[segs[k]];

		if (!d->p)
			continue;
		if ((!(d->type & 8) || !(d->type & 4)) && d->dpl < cpl)
			*d = (struct x86_seg){ .sel = 0 };
	}
}

/*
 * A 32-bit iret at CPL 0 whose EFLAGS image has VM set returns to
 * virtual-8086 mode: EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS from the
 * stack, every segment register loaded as in real mode, CPL 3.  EFLAGS is
 * taken whole (VM, IOPL, IF), as CPL 0 may.
 */
static void iret_v86(struct x86_cpu *c, const struct insn *i, uint64_t sp, uint64_t fl)
{
	/* the frame's dwords, from the top: which segment register each selector is for */
	static const int seg_of[9] = { -1, SEG_CS, -1, -1, SEG_SS, SEG_ES, SEG_DS, SEG_FS, SEG_GS };
	uint64_t m = size_mask(i->ss), w[9];

	for (unsigned k = 0; k < 9; k++)
		w[k] = seg_read(c, SEG_SS, (sp + 4 * k) & m, 4);
	flags_set(c, fl);
	for (unsigned k = 0; k < 9; k++)
		if (seg_of[k] >= 0)
			seg_v86(&c->s.seg[seg_of[k]], w[k]);
	c->s.rip = w[0] & 0xffff;
	c->s.gpr[RSP] = (uint32_t)w[3];
	x86_mode_update(c);
}

void far_return(struct x86_cpu *c, const struct insn *i, unsigned imm, int iret)
{
	unsigned os = i->os, n = iret ? 3 : 2, cpl = c->cpl, rpl;
	uint64_t m = size_mask(i->ss), sp = sp_get(c, i->ss), ip, fl = 0, nsp = 0;
	uint16_t cs;
	uint32_t lo, hi;
	struct x86_seg d, nss;
	int outer;

	ip = seg_read(c, SEG_SS, sp, os) & size_mask(os);
	cs = seg_read(c, SEG_SS, (sp + os) & m, 2);
	if (iret) {
		fl = seg_read(c, SEG_SS, (sp + 2 * os) & m, os);
		if ((fl & FL_VM) && os == 4 && cpl == 0 && !(c->mode & MODE_LMA)) {
			iret_v86(c, i, sp, fl);
			return;
		}
		fl = x86_flags_merge(c, flags_get(c), fl, os);
	}
	rpl = cs & 3;
	target_desc(c, cs, &lo, &hi);
	seg_desc_parse(lo, hi, cs, &d);
	if (!d.s || !(d.type & 8) || rpl < cpl || (d.type & 4 ? d.dpl > rpl : d.dpl != rpl))
		fault_sel(c, EXC_GP, cs);
	if (!d.p)
		fault_sel(c, EXC_NP, cs);
	/* 64-bit iret pops SS:RSP always; otherwise only a return outward does */
	outer = rpl > cpl || (iret && (c->mode & MODE_LONG));
	if (outer) {
		uint64_t top = sp + n * os + imm;
		uint16_t ssel;

		nsp = seg_read(c, SEG_SS, top & m, os);
		ssel = seg_read(c, SEG_SS, (top + os) & m, 2);
		return_stack(c, ssel, rpl, &nss);
	}
	check_rip(c, &d, ip);
	set_cs(c, &d, rpl, ip);
	if (outer) {
		c->s.seg[SEG_SS] = nss;
		x86_mode_update(c);
		nsp += imm;
		if (c->mode & MODE_LONG)
			c->s.gpr[RSP] = nsp;
		else
			sp_put(c, nss.db ? 4 : 2, nsp);
		null_inner_segments(c, rpl);
	} else {
		sp_put(c, i->ss, sp + n * os + imm);
	}
	if (iret)
		flags_set(c, fl);
	x86_mode_update(c);
}
