/*
 * The memory path: a per-vcpu soft TLB in front of the memslots.  A hit is
 * a compare and a host access (cpu.h); everything else comes here.  Paging
 * is off in this slice: physical = linear.
 */
#include "cpu.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

void tlb_flush(struct x86_cpu *c)
{
	for (int k = 0; k < TLB_KINDS; k++)
		for (unsigned i = 0; i < TLB_SIZE; i++)
			c->tlb[k][i].tag = TLB_INVALID;
}

void tlb_drop_write_pa(struct x86_cpu *c, uint64_t pa_page)
{
	for (unsigned i = 0; i < TLB_SIZE; i++)
		if (c->tlb[TLB_WRITE][i].tag != TLB_INVALID && c->tlb[TLB_WRITE][i].pa == pa_page)
			c->tlb[TLB_WRITE][i].tag = TLB_INVALID;
}

void tlb_drop_write_slot(struct x86_cpu *c, const struct memslot *s)
{
	for (unsigned i = 0; i < TLB_SIZE; i++) {
		struct tlbe *e = &c->tlb[TLB_WRITE][i];

		if (e->tag != TLB_INVALID && e->pa - s->gpa < s->size)
			e->tag = TLB_INVALID;
	}
}

static uint64_t translate(struct x86_cpu *c, uint64_t lin)
{
	(void)c;
	return lin;
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

static void tlb_install(struct x86_cpu *c, int kind, uint64_t lin, uint64_t pa, struct memslot *s)
{
	struct tlbe *e = &c->tlb[kind][(lin >> PAGE_SHIFT) & (TLB_SIZE - 1)];
	uint8_t *h = memslot_hva(s, pa & PAGE_MASK, PAGE_SIZE);

	if (!h)
		return;
	e->tag = lin & PAGE_MASK;
	e->delta = (uintptr_t)h - (uintptr_t)(lin & PAGE_MASK);
	e->pa = pa & PAGE_MASK;
	e->slot = s;
	c->v->astat[X86_STAT_TLB_FILLS]++;
}

/* One access inside one page. */
static int read_page(struct x86_cpu *c, uint64_t lin, unsigned size, uint64_t *val)
{
	uint64_t pa = translate(c, lin);
	struct memslot *s = slot_of(c, pa);
	uint8_t *h = s ? memslot_hva(s, pa, size) : NULL;

	if (!h)
		return vcpu_io(c->v, 1, pa, size, 0, val);
	*val = host_load(h, size);
	tlb_install(c, TLB_READ, lin, pa, s);
	return ACC_OK;
}

static int write_page(struct x86_cpu *c, uint64_t lin, unsigned size, uint64_t val)
{
	uint64_t pa = translate(c, lin);
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
	/* a page that still holds code keeps taking this path */
	if (!cp || !cpage_find(c, pa >> PAGE_SHIFT))
		tlb_install(c, TLB_WRITE, lin, pa, s);
	return ACC_OK;
}

static unsigned first_part(uint64_t lin, unsigned size)
{
	unsigned room = PAGE_SIZE - (lin & ~PAGE_MASK);

	return size <= room ? size : room;
}

/*
 * A page-crossing access is split by bytes: each byte may live in a
 * different slot, or be MMIO, and a device sees byte accesses then.
 */
int mem_read_slow(struct x86_cpu *c, uint64_t lin, unsigned size, uint64_t *val)
{
	uint64_t v = 0, b;
	int r;

	lin = (uint32_t)lin;
	if (first_part(lin, size) == size)
		return read_page(c, lin, size, val);
	for (unsigned k = 0; k < size; k++) {
		r = read_page(c, (uint32_t)(lin + k), 1, &b);
		if (r)
			return r;
		v |= (b & 0xff) << (8 * k);
	}
	*val = v;
	return ACC_OK;
}

int mem_write_slow(struct x86_cpu *c, uint64_t lin, unsigned size, uint64_t val)
{
	int r;

	lin = (uint32_t)lin;
	if (first_part(lin, size) == size)
		return write_page(c, lin, size, val);
	for (unsigned k = 0; k < size; k++) {
		r = write_page(c, (uint32_t)(lin + k), 1, (val >> (8 * k)) & 0xff);
		if (r)
			return r;
	}
	return ACC_OK;
}

const uint8_t *mem_fetch_ptr(struct x86_cpu *c, uint64_t lin, uint64_t *pa_out)
{
	struct tlbe *e = &c->tlb[TLB_FETCH][(lin >> PAGE_SHIFT) & (TLB_SIZE - 1)];
	uint64_t pa;
	struct memslot *s;

	lin = (uint32_t)lin;
	if (e->tag != (lin & PAGE_MASK)) {
		pa = translate(c, lin);
		s = slot_of(c, pa);
		if (!s)
			return NULL;
		tlb_install(c, TLB_FETCH, lin, pa, s);
		if (e->tag != (lin & PAGE_MASK))
			return NULL;
	}
	*pa_out = e->pa | (lin & ~PAGE_MASK);
	return (const uint8_t *)(uintptr_t)(lin + e->delta);
}
