/*
 * The memory path: a per-vcpu soft TLB (tlb.h) in front of the shadow page
 * tables (mmu.c).  A hit is a compare and a host access (cpu.h); everything else
 * comes here, is translated by the shadow tables, and refills the soft TLB.
 */
#include "cpu.h"
#include "mmu.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

static unsigned access_fetch(const struct x86_cpu *c)
{
	return c->cpl == 3 ? PFERR_ID | PFERR_U : PFERR_ID;
}

/* Linear addresses are 32 bits outside long mode. */
static uint64_t lin_of(const struct x86_cpu *c, uint64_t lin)
{
	return c->mode & MODE_LMA ? lin : (uint32_t)lin;
}

static struct memslot *slot_of(struct x86_cpu *c, uint64_t pa)
{
	struct memslot *s = c->last_slot;

	if (s && pa - s->gpa < s->size)
		return s;
	s = memslots_find(&c->vm->slots, pa);
	if (s)
		c->last_slot = s;
	return s;
}

/* The host page behind a translation into the active soft TLB set, unless a data breakpoint watches it. */
static void tlb_fill(struct x86_cpu *c, int kind, uint64_t lin, uint64_t pa, struct memslot *s)
{
	uint8_t *h = memslot_hva(s, pa & PAGE_MASK, PAGE_SIZE);

	if (!h || (c->watching && kind != TLB_FETCH && x86_watch_page(c, lin)))
		return;
	tlb_install(c, kind, lin, pa, h);
}

/* One access inside one page; how: 0, MMU_SV or MMU_IMPLICIT (mmu.h). */
static int read_page(struct x86_cpu *c, uint64_t lin, unsigned size, uint64_t *val, unsigned how)
{
	int cache, pt;
	uint64_t pa = mmu_translate(c, lin, TLB_READ | how, &cache, &pt);
	struct memslot *s = slot_of(c, pa);
	uint8_t *h = s ? memslot_hva(s, pa, size) : NULL;

	if (!h)
		return vcpu_io(c->v, 1, pa, size, 0, val);
	*val = host_load(h, size);
	if (cache)
		tlb_fill(c, TLB_READ, lin, pa, s);
	return ACC_OK;
}

static int write_page(struct x86_cpu *c, uint64_t lin, unsigned size, uint64_t val, unsigned how)
{
	int cache, pt;
	uint64_t pa = mmu_translate(c, lin, TLB_WRITE | how, &cache, &pt);
	struct memslot *s = slot_of(c, pa);
	uint8_t *h = s && !(s->flags & MEMSLOT_READONLY) ? memslot_hva(s, pa, size) : NULL;
	struct cpage *cp;

	if (!h)
		return vcpu_io(c->v, 1, pa, size, 1, &val);
	memslot_mark_dirty(s, pa);
	cp = c->ncpages ? cpage_find(c, pa >> PAGE_SHIFT) : NULL;
	if (cp)
		blocks_page_written(c, pa >> PAGE_SHIFT, pa & ~PAGE_MASK, size);
	host_store(h, size, val);
	if (pt)		/* a guest page table: the emulated write updates its shadows */
		mmu_pt_written(c, pa >> PAGE_SHIFT, pa & ~PAGE_MASK, size);
	/* a page that still holds code keeps taking this path */
	else if (cache && (!cp || !cpage_find(c, pa >> PAGE_SHIFT)))
		tlb_fill(c, TLB_WRITE, lin, pa, s);
	return ACC_OK;
}

static unsigned first_part(uint64_t lin, unsigned size)
{
	unsigned room = PAGE_SIZE - (lin & ~PAGE_MASK);

	return size <= room ? size : room;
}

/* Both pages of a page-crossing access translate, or it faults before any byte moves. */
static void check_second_page(struct x86_cpu *c, uint64_t lin, unsigned size, int kind)
{
	int cache, pt;

	mmu_translate(c, lin_of(c, lin + size - 1), kind, &cache, &pt);
}

/*
 * A page-crossing access is split by bytes: each byte may live in a
 * different slot, or be MMIO, and a device sees byte accesses then.
 */
int mem_read_as(struct x86_cpu *c, uint64_t lin, unsigned size, uint64_t *val, unsigned how)
{
	uint64_t v = 0, b;
	int r;

	lin = lin_of(c, lin);
	if (c->watching)
		x86_watch(c, lin, size, 0);
	if (first_part(lin, size) == size)
		return read_page(c, lin, size, val, how);
	check_second_page(c, lin, size, TLB_READ | how);
	for (unsigned k = 0; k < size; k++) {
		r = read_page(c, lin_of(c, lin + k), 1, &b, how);
		if (r)
			return r;
		v |= (b & 0xff) << (8 * k);
	}
	*val = v;
	return ACC_OK;
}

int mem_write_as(struct x86_cpu *c, uint64_t lin, unsigned size, uint64_t val, unsigned how)
{
	int r;

	lin = lin_of(c, lin);
	if (c->watching)
		x86_watch(c, lin, size, 1);
	if (first_part(lin, size) == size)
		return write_page(c, lin, size, val, how);
	check_second_page(c, lin, 1, TLB_WRITE | how);	/* the first page, too, before any byte */
	check_second_page(c, lin, size, TLB_WRITE | how);
	for (unsigned k = 0; k < size; k++) {
		r = write_page(c, lin_of(c, lin + k), 1, (val >> (8 * k)) & 0xff, how);
		if (r)
			return r;
	}
	return ACC_OK;
}

int mem_read_slow(struct x86_cpu *c, uint64_t lin, unsigned size, uint64_t *val)
{
	return mem_read_as(c, lin, size, val, 0);
}

int mem_write_slow(struct x86_cpu *c, uint64_t lin, unsigned size, uint64_t val)
{
	return mem_write_as(c, lin, size, val, 0);
}

const uint8_t *mem_fetch_ptr(struct x86_cpu *c, uint64_t lin, uint64_t *pa_out)
{
	struct tlbe *e;
	uint64_t pa;
	struct memslot *s;
	int cache, pt;

	lin = lin_of(c, lin);
	e = &c->tlb[TLB_FETCH][(lin >> PAGE_SHIFT) & (TLB_SIZE - 1)];
	if (e->tag != (lin & PAGE_MASK)) {
		pa = mmu_translate(c, lin, TLB_FETCH, &cache, &pt);
		s = slot_of(c, pa);
		if (!s)
			return NULL;
		tlb_fill(c, TLB_FETCH, lin, pa, s);
		/* the translation may have loaded a root, and with it another set */
		e = &c->tlb[TLB_FETCH][(lin >> PAGE_SHIFT) & (TLB_SIZE - 1)];
		if (e->tag != (lin & PAGE_MASK))
			return NULL;
	}
	*pa_out = e->pa | (lin & ~PAGE_MASK);
	return (const uint8_t *)(uintptr_t)(lin + e->delta);
}

/*
 * The bytes of an instruction that continues on the next page, when the
 * decoder may look: a page that does not translate gives NULL here, and
 * the #PF only if the instruction really needs it (mem_fetch_ptr).
 */
const uint8_t *mem_fetch_ptr_nofault(struct x86_cpu *c, uint64_t lin, uint64_t *pa_out)
{
	struct translate_result t;

	if (mmu_paging(c)) {
		mmu_translate_probe(c, lin_of(c, lin), access_fetch(c), &t);
		if (t.status != WALK_OK)
			return NULL;
	}
	return mem_fetch_ptr(c, lin, pa_out);
}
