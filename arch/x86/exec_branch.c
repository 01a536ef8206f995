/* Control transfer: jumps, calls, returns, loops, far transfers, int/iret. */
#include "exec.h"

static inline uint64_t ipmask(const struct insn *i, uint64_t ip)
{
	return ip & size_mask(i->os);
}

int h_jcc(struct x86_cpu *c, const struct insn *i)
{
	if (!flags_cond(c, i->op))
		return 0;
	c->s.rip = i->imm;
	return 1;
}

int h_jmp(struct x86_cpu *c, const struct insn *i)
{
	c->s.rip = i->imm;
	return 1;
}

int h_jmp_rm(struct x86_cpu *c, const struct insn *i)
{
	c->s.rip = ipmask(i, rm_get(c, i, i->os));
	return 1;
}

int h_call(struct x86_cpu *c, const struct insn *i)
{
	push(c, i->ss, i->os, i->next);
	c->s.rip = i->imm;
	return 1;
}

int h_call_rm(struct x86_cpu *c, const struct insn *i)
{
	uint64_t t = rm_get(c, i, i->os);

	push(c, i->ss, i->os, i->next);
	c->s.rip = ipmask(i, t);
	return 1;
}

int h_ret(struct x86_cpu *c, const struct insn *i)
{
	uint64_t ip = pop(c, i->ss, i->os);

	if (i->imm)
		sp_put(c, i->ss, sp_get(c, i->ss) + i->imm);
	c->s.rip = ipmask(i, ip);
	return 1;
}

/* A far transfer to sel:off at the current privilege (return: may go outward). */
static void far_to(struct x86_cpu *c, const struct insn *i, uint16_t sel, uint64_t off, int ret)
{
	if (!(c->s.cr0 & CR0_PE))
		seg_load_real(c, SEG_CS, sel);
	else if (ret)
		seg_load_cs(c, sel, 1);
	else
		seg_load(c, SEG_CS, sel);
	c->s.rip = ipmask(i, off);
	x86_mode_update(c);
}

/*
 * The stack of an outer ring after iret or a far return to it: SS:rSP from
 * the frame (a null SS is fine in 64-bit mode outside ring 3), and data
 * segments the outer ring may not use become null.
 */
static void outer_stack(struct x86_cpu *c, uint16_t ss, uint64_t sp, unsigned os)
{
	if (!(ss & ~3u) && (c->mode & MODE_LONG) && c->cpl != 3)
		c->s.seg[SEG_SS] = (struct x86_seg){ .sel = ss, .dpl = c->cpl };
	else
		seg_load(c, SEG_SS, ss);
	if (c->mode & MODE_LONG)
		c->s.gpr[RSP] = sp;
	else
		sp_put(c, c->s.seg[SEG_SS].db ? 4 : 2, sp & size_mask(os));
	for (unsigned s = SEG_ES; s <= SEG_GS; s++) {
		struct x86_seg *d = &c->s.seg[s];

		if (s == SEG_CS || s == SEG_SS || !d->p)
			continue;
		if ((!(d->type & 8) || !(d->type & 4)) && d->dpl < c->cpl)
			*d = (struct x86_seg){ .sel = 0 };
	}
	x86_mode_update(c);
}

int h_retf(struct x86_cpu *c, const struct insn *i)
{
	uint64_t sp = sp_get(c, i->ss), m = size_mask(i->ss);
	uint64_t ip = seg_read(c, SEG_SS, sp, i->os);
	uint16_t cs = seg_read(c, SEG_SS, (sp + i->os) & m, 2);

	if ((c->mode & MODE_PE) && (cs & 3) > c->cpl) {
		uint64_t nsp = seg_read(c, SEG_SS, (sp + 2 * i->os + i->imm) & m, i->os);
		uint16_t nss = seg_read(c, SEG_SS, (sp + 3 * i->os + i->imm) & m, 2);

		far_to(c, i, cs, ip, 1);
		outer_stack(c, nss, nsp + i->imm, i->os);
		return 1;
	}
	far_to(c, i, cs, ip, 1);
	sp_put(c, i->ss, sp + 2 * i->os + i->imm);
	return 1;
}

int h_loop(struct x86_cpu *c, const struct insn *i)
{
	uint64_t m = size_mask(i->as), cx = (c->s.gpr[RCX] - 1) & m;
	int go;

	if (i->as == 2)
		c->s.gpr[RCX] = (c->s.gpr[RCX] & ~0xffffull) | cx;
	else
		c->s.gpr[RCX] = cx;
	go = cx != 0;
	if (go && i->op == 0)		/* loopne */
		go = !flags_cond(c, 4);
	else if (go && i->op == 1)	/* loope */
		go = flags_cond(c, 4);
	if (!go)
		return 0;
	c->s.rip = i->imm;
	return 1;
}

int h_jcxz(struct x86_cpu *c, const struct insn *i)
{
	if (c->s.gpr[RCX] & size_mask(i->as))
		return 0;
	c->s.rip = i->imm;
	return 1;
}

int h_jmp_far(struct x86_cpu *c, const struct insn *i)
{
	far_to(c, i, i->imm2, i->imm, 0);
	return 1;
}

int h_jmp_far_m(struct x86_cpu *c, const struct insn *i)
{
	uint64_t ea = insn_ea(c, i), off = seg_read(c, i->seg, ea, i->os);
	uint16_t sel = seg_read(c, i->seg, (ea + i->os) & size_mask(i->as), 2);

	far_to(c, i, sel, off, 0);
	return 1;
}

/* The pushes are written before the target is checked; rsp moves only after. */
static int call_far(struct x86_cpu *c, const struct insn *i, uint16_t sel, uint64_t off)
{
	uint64_t sp = sp_get(c, i->ss), m = size_mask(i->ss);
	uint16_t old_cs = c->s.seg[SEG_CS].sel;

	seg_write(c, SEG_SS, (sp - i->os) & m, i->os, old_cs);
	seg_write(c, SEG_SS, (sp - 2 * i->os) & m, i->os, i->next);
	far_to(c, i, sel, off, 0);
	sp_put(c, i->ss, sp - 2 * i->os);
	return 1;
}

int h_call_far(struct x86_cpu *c, const struct insn *i)
{
	return call_far(c, i, i->imm2, i->imm);
}

int h_call_far_m(struct x86_cpu *c, const struct insn *i)
{
	uint64_t ea = insn_ea(c, i), off = seg_read(c, i->seg, ea, i->os);
	uint16_t sel = seg_read(c, i->seg, (ea + i->os) & size_mask(i->as), 2);

	return call_far(c, i, sel, off);
}

static int soft_int(struct x86_cpu *c, const struct insn *i, unsigned vec)
{
	if (x86_deliver(c, vec, 0, 0, 1, i->next)) {
		c->result = RUN_EXIT;
		return 2;
	}
	return 1;
}

int h_int(struct x86_cpu *c, const struct insn *i)
{
	return soft_int(c, i, i->imm);
}

int h_int3(struct x86_cpu *c, const struct insn *i)
{
	return soft_int(c, i, EXC_BP);
}

int h_into(struct x86_cpu *c, const struct insn *i)
{
	if (!flags_cond(c, 0))
		return 0;
	return soft_int(c, i, EXC_OF);
}

int h_iret(struct x86_cpu *c, const struct insn *i)
{
	unsigned os = i->os;
	uint64_t sp = sp_get(c, i->ss), m = size_mask(i->ss);
	uint64_t ip = seg_read(c, SEG_SS, sp, os);
	uint16_t cs = seg_read(c, SEG_SS, (sp + os) & m, 2);
	uint64_t fl = seg_read(c, SEG_SS, (sp + 2 * os) & m, os), old = flags_get(c);

	if (!(c->s.cr0 & CR0_PE)) {
		far_to(c, i, cs, ip, 1);
		flags_set(c, x86_flags_merge(c, old, fl, os));
		sp_put(c, i->ss, sp + 3 * os);
	} else if (old & FL_NT) {
		if (c->mode & MODE_LMA)
			x86_fault(c, EXC_GP, 1, 0);
		x86_internal(c, "iret to a nested task");
	} else if ((c->mode & MODE_LONG) || (cs & 3) > c->cpl) {
		/* 64-bit iret always pops SS:RSP; otherwise only back to an outer ring */
		uint64_t nsp = seg_read(c, SEG_SS, (sp + 3 * os) & m, os);
		uint16_t nss = seg_read(c, SEG_SS, (sp + 4 * os) & m, 2);
		uint64_t nf = x86_flags_merge(c, old, fl, os);

		far_to(c, i, cs, ip, 1);
		outer_stack(c, nss, nsp, os);
		flags_set(c, nf);
	} else {
		far_to(c, i, cs, ip, 1);
		flags_set(c, x86_flags_merge(c, old, fl, os));
		sp_put(c, i->ss, sp + 3 * os);
	}
	c->s.ev.nmi_masked = 0;
	return 1;
}
