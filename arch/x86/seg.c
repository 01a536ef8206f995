/*
 * Segment registers: real-mode loads (base = selector << 4) and
 * protected-mode loads from the GDT/LDT with the architectural checks.
 * The cached dpl of CS is the CPL (for conforming code too).
 */
#include "cpu.h"

void seg_flat32(struct x86_seg *s, uint16_t sel, int code)
{
	*s = (struct x86_seg){ .base = 0, .limit = 0xffffffff, .sel = sel, .type = code ? 0xb : 0x3,
			       .s = 1, .dpl = 0, .p = 1, .db = 1, .g = 1 };
}

/* Real mode changes the selector and base; the hidden limit and attributes stay. */
void seg_load_real(struct x86_cpu *c, unsigned seg, uint16_t sel)
{
	struct x86_seg *s = &c->s.seg[seg];

	s->sel = sel;
	s->base = (uint32_t)sel << 4;
	s->p = 1;
	s->s = 1;
	if (seg == SEG_CS || seg == SEG_SS)
		x86_mode_update(c);
}

static void desc_parse(uint32_t lo, uint32_t hi, uint16_t sel, struct x86_seg *d)
{
	d->sel = sel;
	d->limit = (lo & 0xffff) | (hi & 0xf0000);
	d->base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000);
	d->type = (hi >> 8) & 0xf;
	d->s = (hi >> 12) & 1;
	d->dpl = (hi >> 13) & 3;
	d->p = (hi >> 15) & 1;
	d->avl = (hi >> 20) & 1;
	d->l = (hi >> 21) & 1;
	d->db = (hi >> 22) & 1;
	d->g = (hi >> 23) & 1;
	if (d->g)
		d->limit = (d->limit << 12) | 0xfff;
}

int seg_desc_read(struct x86_cpu *c, uint16_t sel, struct x86_seg *out, int *vec)
{
	uint64_t base = c->s.gdt.base, limit = c->s.gdt.limit, off = sel & ~7u;

	if (sel & 4) {
		if (!c->s.seg[SEG_LDT].p) {
			*vec = EXC_GP;
			return -1;
		}
		base = c->s.seg[SEG_LDT].base;
		limit = c->s.seg[SEG_LDT].limit;
	}
	if (off + 7 > limit) {
		*vec = EXC_GP;
		return -1;
	}
	desc_parse(lin_read(c, (uint32_t)(base + off), 4), lin_read(c, (uint32_t)(base + off + 4), 4),
		   sel, out);
	return 0;
}

static void load_fault(struct x86_cpu *c, int vec, uint16_t sel)
{
	x86_fault(c, vec, 1, sel & ~3u);
}

void seg_load_cs(struct x86_cpu *c, uint16_t sel, int ret)
{
	unsigned rpl = sel & 3, cpl = c->cpl, ncpl;
	struct x86_seg d;
	int vec, conforming;

	if (!(sel & ~3u))
		load_fault(c, EXC_GP, 0);
	if (seg_desc_read(c, sel, &d, &vec))
		load_fault(c, vec, sel);
	if (!d.s || !(d.type & 8))
		load_fault(c, EXC_GP, sel);
	conforming = d.type & 4;
	if (!ret) {
		if (conforming ? d.dpl > cpl : rpl > cpl || d.dpl != cpl)
			load_fault(c, EXC_GP, sel);
		ncpl = cpl;
	} else {
		if (rpl < cpl || (conforming ? d.dpl > rpl : d.dpl != rpl))
			load_fault(c, EXC_GP, sel);
		ncpl = rpl;
	}
	if (!d.p)
		load_fault(c, EXC_NP, sel);
	d.sel = (sel & ~3u) | ncpl;
	d.dpl = ncpl;
	c->s.seg[SEG_CS] = d;
	x86_mode_update(c);
}

void seg_load(struct x86_cpu *c, unsigned seg, uint16_t sel)
{
	unsigned rpl = sel & 3, cpl = c->cpl;
	struct x86_seg d;
	int vec;

	if (!(c->s.cr0 & CR0_PE) || (c->s.rflags & FL_VM)) {
		seg_load_real(c, seg, sel);
		return;
	}
	if (seg == SEG_CS) {
		seg_load_cs(c, sel, 0);
		return;
	}
	if (!(sel & ~3u)) {
		if (seg == SEG_SS)
			load_fault(c, EXC_GP, 0);
		/* a null selector loads an unusable segment; using it faults */
		c->s.seg[seg] = (struct x86_seg){ .sel = sel };
		return;
	}
	if (seg_desc_read(c, sel, &d, &vec))
		load_fault(c, vec, sel);
	if (seg == SEG_SS) {
		if (!d.s || (d.type & 0xa) != 2 || rpl != cpl || d.dpl != cpl)
			load_fault(c, EXC_GP, sel);
		if (!d.p)
			load_fault(c, EXC_SS, sel);
	} else {
		if (!d.s || ((d.type & 8) && !(d.type & 2)))
			load_fault(c, EXC_GP, sel);
		/* data and non-conforming code: no more privileged than CPL and RPL */
		if ((!(d.type & 8) || !(d.type & 4)) && d.dpl < (rpl > cpl ? rpl : cpl))
			load_fault(c, EXC_GP, sel);
		if (!d.p)
			load_fault(c, EXC_NP, sel);
	}
	c->s.seg[seg] = d;
	if (seg == SEG_SS)
		x86_mode_update(c);
}

/*
 * lldt and ltr: a system descriptor from the GDT (16 bytes in long mode,
 * where the base has 64 bits).  ltr marks the TSS busy in the GDT.
 */
void seg_load_system(struct x86_cpu *c, unsigned seg, uint16_t sel)
{
	uint64_t addr = c->s.gdt.base + (sel & ~7u);
	unsigned dsz = c->mode & MODE_LMA ? 16 : 8;
	struct x86_seg d;
	int vec, ok;

	if (!(sel & ~3u)) {
		if (seg == SEG_TR)
			load_fault(c, EXC_GP, 0);
		c->s.seg[SEG_LDT] = (struct x86_seg){ .sel = sel };
		return;
	}
	if ((sel & 4) || (sel & ~7u) + dsz - 1 > c->s.gdt.limit)
		load_fault(c, EXC_GP, sel);
	if (seg_desc_read(c, sel, &d, &vec))
		load_fault(c, vec, sel);
	if (seg == SEG_LDT)
		ok = d.type == 2;
	else		/* an available 16-bit (outside long mode) or 32/64-bit TSS */
		ok = d.type == 9 || (d.type == 1 && !(c->mode & MODE_LMA));
	if (d.s || !ok)
		load_fault(c, EXC_GP, sel);
	if (!d.p)
		load_fault(c, EXC_NP, sel);
	if (dsz == 16)
		d.base |= (uint64_t)lin_read(c, addr + 8, 4) << 32;
	if (seg == SEG_TR) {
		uint64_t hi = addr + 4;

		d.type |= 2;	/* busy */
		lin_write(c, c->mode & MODE_LMA ? hi : (uint32_t)hi, 4,
			  lin_read(c, c->mode & MODE_LMA ? hi : (uint32_t)hi, 4) | 0x200);
	}
	c->s.seg[seg] = d;
}
