/*
 * Guest memory access: the soft TLB and its slow path.
 *
 * Invariants: a soft-TLB write entry exists only for a RAM page of a
 * writable slot that was marked dirty when the entry was installed and that
 * holds no decoded code; a read or fetch entry only for a RAM page.  Pages
 * mapped by guest entries smaller than 4 KiB never get soft entries.
 */
#include <string.h>

#include "ppc.h"
#include "vmm/memslot.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

void soft_flush(struct ppc *c)
{
	memset(c->soft, 0xff, sizeof(c->soft));	/* a tag with low bits set never matches */
}

void soft_flush_writes(struct ppc *c)
{
	memset(c->soft[ACC_W], 0xff, sizeof(c->soft[ACC_W]));
}

/* Translate for an access; on a fault take the interrupt and return R_JUMP. */
static int xlate(struct ppc *c, uint32_t ea, int acc, uint64_t *gpa, bool *small)
{
	uint8_t perm;
	int r = tlb_translate(c, ea, acc, gpa, &perm, small);

	if (likely(!r))
		return 0;
	if (acc == ACC_X) {
		if (r == -1) {
			PSTAT(c, GTLB_MISS_I);
			return ppc_raise(c, IV_ITLB, c->pc);
		}
		return ppc_raise_esr(c, IV_ISI, c->pc, 0);
	}
	if (r == -1)
		PSTAT(c, GTLB_MISS_D);
	return ppc_data_fault(c, r == -1 ? IV_DTLB : IV_DSI, ea, acc == ACC_W);
}

static void soft_fill(struct ppc *c, int acc, uint32_t ea, uintptr_t addend)
{
	struct softe *e = &c->soft[acc][(ea >> 12) & (SOFT_N - 1)];

	if (unlikely(c->dbg_dac) && acc != ACC_X)
		return;		/* every data access goes to the DAC compare */
	e->tag = (acc == ACC_X ? c->ctx_i : c->ctx_d) | (ea & 0xfffff000u);
	e->addend = addend;
}

/*
 * A write of size bytes at gpa in RAM: mark its page dirty, drop the
 * decoded slots it overwrites.  Whether the page may get a soft-TLB write
 * entry: not while the rest of it holds decoded code.
 */
static bool write_prepare(struct ppc *c, struct memslot *s, uint64_t gpa, unsigned size)
{
	struct code_page *p;

	memslot_mark_dirty(s, gpa);
	if (!c->code_any)
		return true;
	code_invalidate(c, gpa, size);
	p = code_find(c, gpa & PAGE_MASK);
	return !p || !p->ndecoded;
}

/*
 * The magic page is memory like any other page for the soft TLB: it is
 * the home of the registers it holds (pv.c), so a load or store there
 * needs nothing but the access, and it gets soft entries (tagged PR=0 by
 * the data context, as it is only reached with MSR[PR]=0).  Only its way
 * through here is counted: a soft-TLB fill, or an access that cannot get
 * an entry.  A page the guest placed in its RAM is RAM for dirty logging
 * and decoded code.
 */
static bool magic_count(struct ppc *c, int write, unsigned off, unsigned size)
{
	if (!write) {
		PSTAT(c, MAGIC_READ);
		return true;
	}
	PSTAT(c, MAGIC_WRITE);
	return !c->magic_in_ram ||
	       write_prepare(c, memslots_find(&c->vm->slots, c->magic_gpa), c->magic_gpa | off, size);
}

static int magic_access(struct ppc *c, uint32_t ea, uint8_t *h, unsigned size, int write, uint32_t *val,
			bool fill)
{
	if (magic_count(c, write, h - c->magic, size) && fill)
		soft_fill(c, write ? ACC_W : ACC_R, ea, (uintptr_t)h - ea);
	switch (size) {
	case 1: if (write) *h = *val; else *val = *h; break;
	case 2: if (write) put_be16(h, *val); else *val = be16(h); break;
	default: if (write) put_be32(h, *val); else *val = be32(h); break;
	}
	return 0;
}

static int access_slow(struct ppc *c, uint32_t ea, unsigned size, int write, uint32_t *val)
{
	uint64_t gpa, v64;
	struct memslot *s;
	bool small;
	uint8_t *h;
	int r;

	if (unlikely(c->dbg_dac) && (r = ppc_debug_dac(c, ea, size, write)))
		return r;
	if ((ea & 0xfff) + size > 0x1000) {
		/* crosses a page: byte by byte, big-endian */
		uint32_t acc = 0, b;

		for (unsigned i = 0; i < size; i++) {
			if (write) {
				b = *val >> (8 * (size - 1 - i));
				if ((r = access_slow(c, ea + i, 1, 1, &b)))
					return r;
			} else {
				if ((r = access_slow(c, ea + i, 1, 0, &b)))
					return r;
				acc = acc << 8 | b;
			}
		}
		if (!write)
			*val = acc;
		return 0;
	}
	PSTAT(c, SOFT_MISS);
	if (unlikely(c->magic != NULL) && (h = pv_magic_at(c, ea, write ? ACC_W : ACC_R)))
		return magic_access(c, ea, h, size, write, val, true);
	if ((r = xlate(c, ea, write ? ACC_W : ACC_R, &gpa, &small)))
		return r;
	if (unlikely(c->magic != NULL) && !c->magic_in_ram && (gpa & PAGE_MASK) == c->magic_gpa)
		return magic_access(c, ea, c->magic + (gpa & ~PAGE_MASK), size, write, val, !small);
	s = memslots_find(&c->vm->slots, gpa);
	if (s && !(write && (s->flags & MEMSLOT_READONLY))) {
		h = memslot_hva(s, gpa & PAGE_MASK, PAGE_SIZE);
		if (h) {
			h += gpa & ~PAGE_MASK;
			if (small)
				PSTAT(c, SMALL_PAGE);
			else if (!write || write_prepare(c, s, gpa, size))
				soft_fill(c, write ? ACC_W : ACC_R, ea, (uintptr_t)h - ea);
			if (small && write)
				write_prepare(c, s, gpa, size);
			switch (size) {
			case 1: if (write) *h = *val; else *val = *h; break;
			case 2: if (write) put_be16(h, *val); else *val = be16(h); break;
			default: if (write) put_be32(h, *val); else *val = be32(h); break;
			}
			return 0;
		}
	}
	v64 = write ? *val : 0;
	if (vcpu_io(c->v, 1, gpa, size, write, &v64))
		return R_EXIT;
	if (!write)
		*val = v64;
	return 0;
}

int mem_load_slow(struct ppc *c, uint32_t ea, unsigned size, uint32_t *val)
{
	return access_slow(c, ea, size, 0, val);
}

int mem_store_slow(struct ppc *c, uint32_t ea, unsigned size, uint32_t val)
{
	return access_slow(c, ea, size, 1, &val);
}

/*
 * A RAM-only access within one page (lwarx, stwcx., dcbz): host pointer, or
 * NULL with *ret = R_JUMP (interrupt taken; not RAM raises alignment, as a
 * cache-inhibited target does on the 440).  acc ACC_R only translates and
 * checks when size is 0 (cache maintenance on any storage).
 */
uint8_t *mem_ram(struct ppc *c, uint32_t ea, unsigned size, int acc, int *ret, uint64_t *gpa)
{
	struct memslot *s;
	bool small;
	uint8_t *h;

	if (unlikely(c->dbg_dac) && size && (*ret = ppc_debug_dac(c, ea, size, acc == ACC_W)))
		return NULL;
	if (unlikely(c->magic != NULL) && size && (h = pv_magic_at(c, ea, acc)) &&
	    (ea & 0xfff) + size <= PAGE_SIZE) {
		magic_count(c, acc == ACC_W, ea & 0xfff, size);
		*ret = 0;
		*gpa = c->magic_gpa | (ea & 0xfff);
		return h;
	}
	if ((*ret = xlate(c, ea, acc, gpa, &small)))
		return NULL;
	if (!size)
		return (uint8_t *)1;
	s = memslots_find(&c->vm->slots, *gpa);
	h = s && !(acc == ACC_W && (s->flags & MEMSLOT_READONLY)) ? memslot_hva(s, *gpa, size) : NULL;
	if (!h) {
		*ret = ppc_data_fault(c, IV_ALIGN, ea, acc == ACC_W);
		return NULL;
	}
	if (acc == ACC_W)
		write_prepare(c, s, *gpa, size);
	return h;
}

/*
 * The decoded slot for c->pc; c->cur_cp is its page, *n how many
 * instructions from pc on the same translation covers, *chain whether a
 * branch within the 4 KiB virtual page may stay in it.  NULL: an interrupt
 * was taken (*ret = R_JUMP) or the run must stop (*ret = R_EXIT).
 */
struct op *mem_fetch(struct ppc *c, unsigned *n, bool *chain, int *ret)
{
	struct softe *e = soft_probe(c, ACC_X, c->pc, 4);
	struct code_page *cp;
	struct memslot *s;
	uint64_t gpa;
	bool small;
	uint8_t *h;

	*n = 1024 - ((c->pc >> 2) & 1023);
	*chain = true;
	if (likely(e != NULL)) {
		c->cur_cp = (struct code_page *)e->addend;
		return &c->cur_cp->ops[(c->pc >> 2) & 1023];
	}
	PSTAT(c, SOFT_MISS);
	c->cur_cp = NULL;
	if ((*ret = xlate(c, c->pc, ACC_X, &gpa, &small)))
		return NULL;
	s = memslots_find(&c->vm->slots, gpa);
	h = s ? memslot_hva(s, gpa & PAGE_MASK, PAGE_SIZE) : NULL;
	if (!h) {
		*ret = ppc_internal_error(c, "instruction fetch from outside RAM");
		return NULL;
	}
	if (!(cp = code_get(c, gpa & PAGE_MASK, h))) {
		*ret = ppc_internal_error(c, "out of memory for decoded code");
		return NULL;
	}
	c->cur_cp = cp;
	if (small) {
		/* to the end of the 1 KiB page; its physical offset differs from pc's */
		*n = 256 - ((c->pc >> 2) & 255);
		*chain = false;
		PSTAT(c, SMALL_PAGE);
	} else {
		soft_fill(c, ACC_X, c->pc, (uintptr_t)cp);
	}
	return &cp->ops[(gpa & 0xfff) >> 2];
}
