/*
 * Event delivery: exceptions, interrupts and NMIs through the real-mode
 * IVT or the protected-mode IDT (interrupt and trap gates at the current
 * privilege).  A fault while delivering becomes #DF; one while delivering
 * #DF shuts the vcpu down (triple fault).
 */
#include <stdio.h>

#include "cpu.h"
#include "vmm/vcpu.h"

enum { DELIVERED = 0, DELIVERY_FAULT = -1, DELIVERY_UNSUPPORTED = -2 };

struct dfault {
	int vec;
	uint32_t err;
};

static int unsupported(struct x86_cpu *c, const char *why)
{
	vcpu_set_exit(c->v, EXIT_INTERNAL_ERROR);
	c->v->exit.internal.suberror = 1;
	c->v->exit.internal.addr = (uint32_t)(c->s.seg[SEG_CS].base + c->s.rip);
	snprintf(c->v->exit.internal.why, sizeof(c->v->exit.internal.why), "%s", why);
	return DELIVERY_UNSUPPORTED;
}

static int fail(struct dfault *f, int vec, uint32_t err)
{
	f->vec = vec;
	f->err = err;
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

static int deliver_prot(struct x86_cpu *c, unsigned vec, int has_err, uint32_t err, int soft,
			uint64_t ret_ip, struct dfault *f)
{
	uint32_t gsel = vec * 8 + 2 + !soft, lo, hi, off, type;
	uint16_t sel;
	unsigned gsz, cpl = c->cpl, ss = c->mode & MODE_STK32 ? 4 : 2;
	uint64_t m = size_mask(ss), sp, fl = flags_get(c);
	struct x86_seg d;
	int v;

	if (vec * 8 + 7 > c->s.idt.limit)
		return fail(f, EXC_GP, gsel);
	lo = lin_read(c, (uint32_t)(c->s.idt.base + vec * 8), 4);
	hi = lin_read(c, (uint32_t)(c->s.idt.base + vec * 8 + 4), 4);
	type = (hi >> 8) & 0x1f;
	if (type == 0x05)
		return unsupported(c, "task gates are not implemented yet");
	if (type != 0x0e && type != 0x0f && type != 0x06 && type != 0x07)
		return fail(f, EXC_GP, gsel);
	if (soft && ((hi >> 13) & 3) < cpl)
		return fail(f, EXC_GP, gsel);
	if (!(hi & 0x8000))
		return fail(f, EXC_NP, gsel);
	sel = lo >> 16;
	gsz = type & 8 ? 4 : 2;
	off = (lo & 0xffff) | (gsz == 4 ? hi & 0xffff0000 : 0);
	if (!(sel & ~3u))
		return fail(f, EXC_GP, !soft);
	if (seg_desc_read(c, sel, &d, &v))
		return fail(f, v, (sel & ~3u) + !soft);
	if (!d.s || !(d.type & 8) || d.dpl > cpl)
		return fail(f, EXC_GP, (sel & ~3u) + !soft);
	if (!d.p)
		return fail(f, EXC_NP, (sel & ~3u) + !soft);
	if (!(d.type & 4) && d.dpl < cpl)
		return unsupported(c, "interrupt to an inner privilege level (no TSS stack switch yet)");
	sp = sp_get(c, ss);
	seg_write(c, SEG_SS, (sp - gsz) & m, gsz, fl);
	seg_write(c, SEG_SS, (sp - 2 * gsz) & m, gsz, c->s.seg[SEG_CS].sel);
	seg_write(c, SEG_SS, (sp - 3 * gsz) & m, gsz, ret_ip);
	sp -= 3 * gsz;
	if (has_err) {
		sp -= gsz;
		seg_write(c, SEG_SS, sp & m, gsz, err);
	}
	sp_put(c, ss, sp);
	fl &= ~(uint64_t)(FL_TF | FL_NT | FL_RF | FL_VM);
	if (!(type & 1))
		fl &= ~(uint64_t)FL_IF;
	flags_set(c, fl);
	d.sel = (sel & ~3u) | cpl;
	d.dpl = cpl;
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

int x86_deliver(struct x86_cpu *c, unsigned vec, int has_err, uint32_t err, int soft, uint64_t ret_ip)
{
	struct dfault f;
	int r;

	c->shadow = 0;
	c->v->astat[X86_STAT_EVENTS]++;
	r = deliver_once(c, vec, has_err, err, soft, ret_ip, &f);
	if (r == DELIVERED)
		return 0;
	if (r == DELIVERY_UNSUPPORTED)
		return 1;
	if (vec == EXC_DF)
		return shutdown(c);
	r = deliver_once(c, EXC_DF, 1, 0, 0, ret_ip, &f);
	if (r == DELIVERED)
		return 0;
	if (r == DELIVERY_UNSUPPORTED)
		return 1;
	return shutdown(c);
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
