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
	else
		seg_checks_update(c);
}

/*
 * Virtual-8086 mode (SDM vol. 3 20.1.1): every segment register works as
 * in real mode, a 64 KiB read/write segment at selector << 4, at CPL 3.
 * Entering the mode gives all six these attributes; real-mode loads in it
 * then change only the selector and base.
 */
void seg_v86(struct x86_seg *s, uint16_t sel)
{
	*s = (struct x86_seg){ .sel = sel, .base = (uint32_t)sel << 4, .limit = 0xffff, .type = 3, .s = 1,
			       .dpl = 3, .p = 1 };
}

void seg_desc_parse(uint32_t lo, uint32_t hi, uint16_t sel, struct x86_seg *d)
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

int seg_desc_raw(struct x86_cpu *c, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
	uint64_t base = c->s.gdt.base, limit = c->s.gdt.limit, off = sel & ~7u, a;

	if (sel & 4) {
		if (!c->s.seg[SEG_LDT].p)
			return -1;
		base = c->s.seg[SEG_LDT].base;
		limit = c->s.seg[SEG_LDT].limit;
	}
	if (off + 7 > limit)
		return -1;
	a = base + off;
	if (!(c->mode & MODE_LMA))
		a = (uint32_t)a;
	*lo = sys_read(c, a, 4);
	*hi = sys_read(c, c->mode & MODE_LMA ? a + 4 : (uint32_t)(a + 4), 4);
	return 0;
}

int seg_desc_read(struct x86_cpu *c, uint16_t sel, struct x86_seg *out, int *vec)
{
	uint32_t lo, hi;

	if (seg_desc_raw(c, sel, &lo, &hi)) {
		*vec = EXC_GP;
		return -1;
	}
	seg_desc_parse(lo, hi, sel, out);
	return 0;
}

static void load_fault(struct x86_cpu *c, int vec, uint16_t sel)
{
	x86_fault(c, vec, 1, sel & ~3u);
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
	if (!(sel & ~3u)) {
		if (seg == SEG_SS)
			load_fault(c, EXC_GP, 0);
		/* a null selector loads an unusable segment; using it faults */
		c->s.seg[seg] = (struct x86_seg){ .sel = sel };
		seg_checks_update(c);
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
	else
		seg_checks_update(c);
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
		d.base |= (uint64_t)sys_read(c, addr + 8, 4) << 32;
	if (seg == SEG_TR) {
		uint64_t hi = addr + 4;

		d.type |= 2;	/* busy */
		sys_write(c, c->mode & MODE_LMA ? hi : (uint32_t)hi, 4,
			  sys_read(c, c->mode & MODE_LMA ? hi : (uint32_t)hi, 4) | 0x200);
	}
	c->s.seg[seg] = d;
}

/* Expand-down data segments hold the offsets above the limit. */
static int expand_down(const struct x86_seg *d)
{
	return d->s && (d->type & 0xc) == 4;
}

/*
 * Which segments need the checks of seg_check on a read and on a write.
 * A segment that spans 4 GiB upwards and allows the access is skipped (the
 * flat segments nearly every guest uses); 64-bit mode checks nothing.
 * Real mode checks limits only: there the attributes are not consulted.
 */
void seg_checks_update(struct x86_cpu *c)
{
	uint8_t r = 0, w = 0;
	int pm = !!(c->mode & MODE_PE);

	if (!(c->mode & MODE_LONG)) {
		for (unsigned s = SEG_ES; s <= SEG_GS; s++) {
			const struct x86_seg *d = &c->s.seg[s];
			uint8_t bit = 1u << s;

			/* long mode delivers with a null SS; compatibility code may go on using it */
			if (s == SEG_SS && (c->mode & MODE_LMA) && !d->p)
				continue;
			if ((pm && !d->p) || d->limit != 0xffffffff || expand_down(d)) {
				r |= bit;
				w |= bit;
				continue;
			}
			if (pm && (d->type & 0xa) == 0x8)	/* execute-only code */
				r |= bit;
			if (pm && (d->type & 0xa) != 0x2)	/* code, or read-only data */
				w |= bit;
		}
	}
	c->seg_rchk = r;
	c->seg_wchk = w;
}

/*
 * An access to a segment seg_checks_update flagged: a null (unusable)
 * segment, a write to code or read-only data, a read of execute-only code
 * are #GP(0); an offset outside the limit is #GP(0), or #SS(0) through SS.
 */
void seg_check(struct x86_cpu *c, unsigned seg, uint64_t off, unsigned size, int write)
{
	const struct x86_seg *d = &c->s.seg[seg];
	uint64_t last = off + size - 1;
	unsigned vec = seg == SEG_SS ? EXC_SS : EXC_GP;

	if (c->mode & MODE_PE) {
		if (!d->p)
			x86_fault(c, EXC_GP, 1, 0);
		if (write ? (d->type & 0xa) != 0x2 : (d->type & 0xa) == 0x8)
			x86_fault(c, EXC_GP, 1, 0);
	}
	if (expand_down(d)) {
		if (off <= d->limit || last > (d->db ? 0xffffffffull : 0xffffull))
			x86_fault(c, vec, 1, 0);
	} else if (last > d->limit) {
		x86_fault(c, vec, 1, 0);
	}
}
