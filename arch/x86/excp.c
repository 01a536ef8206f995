/*
 * Event delivery: exceptions, interrupts and NMIs through the real-mode
 * IVT, the protected-mode IDT (interrupt and trap gates; task gates switch
 * tasks, task.c) or the long-mode IDT (16-byte gates, IST).  A gate to a more privileged ring switches to
 * the stack the TSS holds for that ring.  A fault while delivering becomes
 * #DF; one while delivering #DF shuts the vcpu down (triple fault).
 */
#include "cpu.h"
#include "task.h"
#include "vmm/vcpu.h"

enum { DELIVERED = 0, DELIVERY_FAULT = -1 };

struct dfault {
	int vec;
	uint32_t err;
	int in_new;	/* found after a task switch through a task gate committed: the new task's */
};

static int fail(struct dfault *f, int vec, uint32_t err)
{
	f->vec = vec;
	f->err = err;
	f->in_new = 0;
	return DELIVERY_FAULT;
}

static int deliver_real(struct x86_cpu *c, unsigned vec, uint64_t ret_ip, struct dfault *f)
{
	unsigned ss = c->mode & MODE_STK32 ? 4 : 2;
	uint64_t m = size_mask(ss), sp = sp_get(c, ss), fl = flags_get(c);
	uint16_t ip, cs;

	if (vec * 4 + 3 > c->s.idt.limit)
		return fail(f, EXC_GP, vec * 8 + 2);
	ip = lin_read(c, (uint32_t)(c->s.idt.base + vec * 4), 2);
	cs = lin_read(c, (uint32_t)(c->s.idt.base + vec * 4 + 2), 2);
	seg_write(c, SEG_SS, (sp - 2) & m, 2, fl);
	seg_write(c, SEG_SS, (sp - 4) & m, 2, c->s.seg[SEG_CS].sel);
	seg_write(c, SEG_SS, (sp - 6) & m, 2, ret_ip);
	sp_put(c, ss, sp - 6);
	flags_set(c, fl & ~(uint64_t)(FL_IF | FL_TF | FL_AC));
	seg_load_real(c, SEG_CS, cs);
	c->s.rip = ip;
	return DELIVERED;
}

/* A field of the current TSS; a TSS too short for it is #TS(tr). */
static int tss_read(struct x86_cpu *c, unsigned off, unsigned size, uint64_t *v, struct dfault *f)
{
	const struct x86_seg *tr = &c->s.seg[SEG_TR];

	if (!tr->p || off + size - 1 > tr->limit)
		return fail(f, EXC_TS, tr->sel & ~3u);
	*v = sys_read(c, seg_lin(c, SEG_TR, 0) + off, size);
	return 0;
}

/*
 * The stack for a gate into ring `ncpl` (or IST entry `ist`): from the TSS.
 * Outside long mode the new SS is checked as the CPU does (#TS with its
 * selector); in long mode SS becomes a null selector of the new ring.
 */
static int tss_stack(struct x86_cpu *c, unsigned ncpl, unsigned ist, unsigned ext,
		     struct x86_seg *nss, uint64_t *nsp, struct dfault *f)
{
	uint64_t sp, sel;
	int v;

	if (c->mode & MODE_LMA) {
		if (tss_read(c, ist ? 0x24 + 8 * (ist - 1) : 4 + 8 * ncpl, 8, &sp, f))
			return DELIVERY_FAULT;
		*nsp = sp;
		*nss = (struct x86_seg){ .sel = ncpl, .dpl = ncpl };
		return 0;
	}
	if (c->s.seg[SEG_TR].type & 8) {	/* 32-bit TSS: esp0 at 4, ss0 at 8, 8 bytes a ring */
		if (tss_read(c, 4 + 8 * ncpl, 4, &sp, f) || tss_read(c, 8 + 8 * ncpl, 2, &sel, f))
			return DELIVERY_FAULT;
	} else if (tss_read(c, 2 + 4 * ncpl, 2, &sp, f) || tss_read(c, 4 + 4 * ncpl, 2, &sel, f)) {
		return DELIVERY_FAULT;
	}
	if (!(sel & ~3u) || (sel & 3) != ncpl)
		return fail(f, EXC_TS, (sel & ~3u) + ext);
	if (seg_desc_read(c, sel, nss, &v))
		return fail(f, EXC_TS, (sel & ~3u) + ext);
	if (!nss->s || (nss->type & 0xa) != 2 || nss->dpl != ncpl)
		return fail(f, EXC_TS, (sel & ~3u) + ext);
	if (!nss->p)
		return fail(f, EXC_SS, (sel & ~3u) + ext);
	*nsp = sp;
	return 0;
}

void x86_tss_stack(struct x86_cpu *c, unsigned ncpl, struct x86_seg *nss, uint64_t *nsp)
{
	struct dfault f;

	if (tss_stack(c, ncpl, 0, 0, nss, nsp, &f))
		x86_fault(c, f.vec, 1, f.err);
}

static int deliver_prot(struct x86_cpu *c, unsigned vec, int has_err, uint32_t err, int soft,
			uint64_t ret_ip, struct dfault *f)
{
	int lma = !!(c->mode & MODE_LMA);
	unsigned ext = !soft, gdsz = lma ? 16 : 8;
	uint32_t gsel = vec * 8 + 2 + ext, lo, hi, type;
	uint16_t sel;
	unsigned gsz, cpl = c->cpl, ncpl, ist = 0, ss = c->mode & MODE_LONG ? 8 : c->mode & MODE_STK32 ? 4 : 2;
	uint64_t m, sp, fl = flags_get(c), off, words[10], gbase = c->s.idt.base + vec * gdsz;
	struct x86_seg d, nss = c->s.seg[SEG_SS];
	int v, n = 0, sw, v86 = !!(fl & FL_VM);

	if (vec * gdsz + gdsz - 1 > c->s.idt.limit)
		return fail(f, EXC_GP, gsel);
	lo = sys_read(c, lma ? gbase : (uint32_t)gbase, 4);
	hi = sys_read(c, lma ? gbase + 4 : (uint32_t)(gbase + 4), 4);
	type = (hi >> 8) & 0x1f;
	if (lma ? type != 0x0e && type != 0x0f :
		  type != 0x0e && type != 0x0f && type != 0x06 && type != 0x07 && type != 0x05)
		return fail(f, EXC_GP, gsel);
	if (soft && ((hi >> 13) & 3) < cpl)
		return fail(f, EXC_GP, gsel);
	if (!(hi & 0x8000))
		return fail(f, EXC_NP, gsel);
	if (type == 0x05) {
		struct task_fault tf;

		if (!task_gate_event(c, lo, has_err, err, ext, ret_ip, &tf))
			return DELIVERED;
		fail(f, tf.vec, tf.err);
		f->in_new = tf.in_new;
		return DELIVERY_FAULT;
	}
	sel = lo >> 16;
	gsz = lma ? 8 : type & 8 ? 4 : 2;
	off = (lo & 0xffff) | (type & 8 ? hi & 0xffff0000 : 0);
	if (lma) {
		off |= (uint64_t)sys_read(c, gbase + 8, 4) << 32;
		ist = hi & 7;
	}
	if (!(sel & ~3u))
		return fail(f, EXC_GP, ext);
	if (seg_desc_read(c, sel, &d, &v))
		return fail(f, v, (sel & ~3u) + ext);
	if (!d.s || !(d.type & 8) || d.dpl > cpl || (lma && (!d.l || d.db)))
		return fail(f, EXC_GP, (sel & ~3u) + ext);
	if (!d.p)
		return fail(f, EXC_NP, (sel & ~3u) + ext);
	/* virtual-8086 mode is left only for ring 0 */
	if (v86 && ((d.type & 4) || d.dpl))
		return fail(f, EXC_GP, (sel & ~3u) + ext);
	ncpl = d.type & 4 ? cpl : d.dpl;
	sw = ncpl < cpl || ist;
	sp = c->s.gpr[RSP];
	if (sw) {
		if ((v = tss_stack(c, ncpl, ist, ext, &nss, &sp, f)))
			return v;
		if (!lma) {
			ss = nss.db ? 4 : 2;
			sp &= size_mask(ss);
		}
	}
	if (lma) {
		ss = 8;
		sp &= ~15ull;	/* the 64-bit frame is 16-byte aligned */
	}
	/* the frame, top down: from virtual-8086 mode gs, fs, ds, es; ss, sp (on a switch
	 * or in long mode), flags, cs, ip, error */
	if (v86) {
		words[n++] = c->s.seg[SEG_GS].sel;
		words[n++] = c->s.seg[SEG_FS].sel;
		words[n++] = c->s.seg[SEG_DS].sel;
		words[n++] = c->s.seg[SEG_ES].sel;
	}
	if (sw || lma) {
		words[n++] = c->s.seg[SEG_SS].sel;
		words[n++] = c->s.gpr[RSP];
	}
	words[n++] = fl;
	words[n++] = c->s.seg[SEG_CS].sel;
	words[n++] = ret_ip;
	if (has_err)
		words[n++] = err;
	m = size_mask(ss);
	for (int k = 0; k < n; k++) {
		uint64_t a = (sp - (k + 1) * gsz) & m;

		if (ncpl < 3)	/* pushed with the rights of the ring entered */
			sv_write(c, lma ? a : (uint32_t)(nss.base + a), gsz, words[k]);
		else
			lin_write(c, lma ? a : (uint32_t)(nss.base + a), gsz, words[k]);
	}
	sp -= n * gsz;
	if (sw || lma) {
		c->s.seg[SEG_SS] = nss;
		c->s.gpr[RSP] = ss == 2 ? (c->s.gpr[RSP] & ~0xffffull) | (sp & 0xffff) :
				ss == 4 ? (uint32_t)sp : sp;
	} else {
		sp_put(c, ss, sp);
	}
	/* the handler starts with null data segments: real-mode selectors mean nothing to it */
	if (v86)
		for (unsigned s = SEG_ES; s <= SEG_GS; s++)
			if (s != SEG_CS && s != SEG_SS)
				c->s.seg[s] = (struct x86_seg){ .sel = 0 };
	fl &= ~(uint64_t)(FL_TF | FL_NT | FL_RF | FL_VM);
	if (!(type & 1))
		fl &= ~(uint64_t)FL_IF;
	flags_set(c, fl);
	d.sel = (sel & ~3u) | ncpl;
	d.dpl = ncpl;
	c->s.seg[SEG_CS] = d;
	c->s.rip = off;
	x86_mode_update(c);
	return DELIVERED;
}

static int deliver_once(struct x86_cpu *c, unsigned vec, int has_err, uint32_t err, int soft,
			uint64_t ret_ip, struct dfault *f)
{
	if (!(c->s.cr0 & CR0_PE))
		return deliver_real(c, vec, ret_ip, f);
	return deliver_prot(c, vec, has_err, err, soft, ret_ip, f);
}

static int shutdown(struct x86_cpu *c)
{
	vcpu_set_exit(c->v, EXIT_SHUTDOWN);
	return 1;
}

static int contributory(unsigned vec)
{
	return vec == EXC_DE || (vec >= EXC_TS && vec <= EXC_GP);
}

/*
 * A fault while delivering becomes #DF only for the pairs the manual names
 * (contributory after contributory, #PF or contributory after #PF); after
 * int n or a benign exception the new fault is simply delivered instead,
 * returning to the instruction that raised the first.
 */
static int deliver_event(struct x86_cpu *c, unsigned vec, int has_err, uint32_t err, int soft, uint64_t ret_ip)
{
	struct dfault f;
	int r;

	c->shadow = 0;
	c->v->astat[X86_STAT_EVENTS]++;
	r = deliver_once(c, vec, has_err, err, soft, ret_ip, &f);
	if (r == DELIVERED)
		return 0;
	if (vec == EXC_DF)
		return shutdown(c);
	/* a fault in a task a task gate switched to returns into that task */
	if (f.in_new)
		ret_ip = c->s.rip;
	else if (soft && c->cur)
		ret_ip = c->cur->ip;
	if (soft || !(contributory(vec) || vec == EXC_PF) ||
	    !(contributory(f.vec) || (vec == EXC_PF && f.vec == EXC_PF)))
		return deliver_event(c, f.vec, 1, f.err, 0, ret_ip);
	r = deliver_once(c, EXC_DF, 1, 0, 0, ret_ip, &f);
	if (r == DELIVERED)
		return 0;
	return shutdown(c);
}

/*
 * A page fault on the IDT, the TSS or the stack while delivering does not
 * come back here as a dfault: the access longjmps to the run loop, which
 * delivers the new fault with `delivering` still raised.  That is the
 * double fault, and a fault while delivering it the triple fault, so guest
 * tables that fault can never keep the run loop delivering for ever.
 */
int x86_deliver(struct x86_cpu *c, unsigned vec, int has_err, uint32_t err, int soft, uint64_t ret_ip)
{
	int r;

	if (c->delivering) {
		if (c->delivering > 1) {
			c->delivering = 0;
			return shutdown(c);
		}
		vec = EXC_DF;
		has_err = 1;
		err = 0;
		soft = 0;
	}
	c->delivering++;
	r = deliver_event(c, vec, has_err, err, soft, ret_ip);
	c->delivering = 0;
	return r;
}

int x86_irq_deliverable(struct x86_cpu *c)
{
	const struct x86_events *e = &c->s.ev;

	return e->exc_injected || e->nmi_injected || (e->nmi_pending && !e->nmi_masked) ||
	       (e->int_injected && (e->int_soft || (flags_get(c) & FL_IF)));
}

int x86_inject_pending(struct x86_cpu *c)
{
	struct x86_events *e = &c->s.ev;

	if (e->exc_injected) {
		e->exc_injected = 0;
		return x86_deliver(c, e->exc_nr, e->exc_has_error, e->exc_error, 0, c->s.rip);
	}
	if (e->nmi_injected || (e->nmi_pending && !e->nmi_masked)) {
		e->nmi_injected = e->nmi_pending = 0;
		e->nmi_masked = 1;
		return x86_deliver(c, EXC_NMI, 0, 0, 0, c->s.rip);
	}
	if (e->int_injected && (e->int_soft || (flags_get(c) & FL_IF))) {
		e->int_injected = 0;
		return x86_deliver(c, e->int_nr, 0, 0, e->int_soft, c->s.rip);
	}
	return 0;
}
