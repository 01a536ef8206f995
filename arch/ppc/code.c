/*
 * Decoded code, cached per guest-physical page.  Decoding does not depend
 * on the translation context (privilege is checked when an instruction
 * runs), so the physical page is the whole key; the fetch side of the soft
 * TLB maps (virtual page, PID, IS, PR) onto it.
 *
 * A slot is decoded the first time it runs (op_decode).  Invalidation
 * resets the slots in place rather than freeing the page, so the page being
 * executed stays valid memory: the next instruction is simply decoded again
 * from what is in memory now.
 */
#include <stdlib.h>

#include "ppc.h"
#include "vmm/memslot.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

/* What the cache holds, in code_cache_bytes (a gauge: stats sums the vcpus'). */
static void count_pages(struct ppc *c, unsigned n)
{
	c->ncode = n;
	c->v->astat[PS_CODE_BYTES] = (uint64_t)n * sizeof(struct code_page);
}

static unsigned hash(uint64_t gpa)
{
	return (gpa >> PAGE_SHIFT) & (CODE_HASH - 1);
}

struct code_page *code_find(struct ppc *c, uint64_t gpa)
{
	struct code_page *p = c->code[hash(gpa)];

	while (p && p->gpa != gpa)
		p = p->hnext;
	return p;
}

/*
 * A stop slot: the end of a page (the slot after the last), or the slot a
 * budget ends before.  It runs nothing; c->pc becomes its address.
 */
static int op_stop(struct ppc *c, struct op *o)
{
	c->pc = c->vbase + o->off;
	c->last = o;
	return R_STOPPED;
}

/* The slot after a page's last: straight-line code goes on in the next page. */
static int op_page_end(struct ppc *c, struct op *o)
{
	return chain_far(c, o, c->vbase + o->off, c->cnt + (uintptr_t)o, R_STOPPED);
}

/* Slots [from, to) run op_decode again; a planted stop stays, covering an undecoded slot. */
static void reset_range(struct ppc *c, struct code_page *p, unsigned from, unsigned to)
{
	for (unsigned i = from; i < to; i++)
		p->ops[i].fn = op_decode;
	if (c->plant && c->plant >= p->ops + from && c->plant < p->ops + to) {
		c->plant_fn = op_decode;
		c->plant->fn = op_stop;
	}
}

static void reset_slots(struct ppc *c, struct code_page *p)
{
	reset_range(c, p, 0, 1024);
	p->ndecoded = 0;
}

int code_run(struct ppc *c, struct op *o, uint64_t n, uint64_t soft, uint64_t *ran)
{
	struct op *end = c->cur_cp->ops + 1024;
	int r;

	_Static_assert(sizeof(struct op) == 32, "chain counting assumes 32-byte slots");
	c->cnt = -(uintptr_t)o;
	c->lim = 0;
	c->far_lim = 0;
	if (n >= (uint64_t)(end - o)) {
		/* a chained branch starts a run of up to 1025 more: stay that far from n */
		if (n > 1025 && !(c->stop | c->resync)) {
			uint64_t most = soft < n - 1025 ? soft : n - 1025;

			c->lim = most ? (most - 1) * sizeof(struct op) : 0;
			/*
			 * Any other masked interrupt is unmasked by an instruction that
			 * ends the chain (an MSR write), or by a PV guest's store to the
			 * magic page's MSR after which it looks at int_pending itself.
			 */
			if (!c->irq_held)
				c->far_lim = c->lim;
		}
		r = o->fn(c, o);
	} else {
		/* the budget ends in this page: a stop slot where it does */
		c->plant = o + n;
		c->plant_fn = c->plant->fn;
		c->plant->fn = op_stop;
		r = o->fn(c, o);
		c->plant->fn = c->plant_fn;
		c->plant = NULL;
	}
	*ran = (c->cnt + (uintptr_t)c->last) / sizeof(struct op) + (r == R_JUMP);
	return r;
}

/*
 * NULL only when out of memory.  Called by mem_fetch between two runs of
 * decoded code, when no page is being executed: a full cache (a guest
 * executing in every page of a large RAM) is dropped whole, and the soft
 * TLB's fetch entries with it.
 */
struct code_page *code_get(struct ppc *c, uint64_t gpa, uint8_t *host)
{
	struct code_page *p = code_find(c, gpa);

	if (p) {
		p->host = host;
		return p;
	}
	if ((uint64_t)(c->ncode + 1) * sizeof(*p) > vcpu_code_budget(c->vm)) {
		code_drop_all(c);
		PSTAT(c, CODE_FLUSHES);
	}
	p = malloc(sizeof(*p));
	if (!p)
		return NULL;
	p->gpa = gpa;
	p->host = host;
	for (unsigned i = 0; i <= 1024; i++)
		p->ops[i].off = 4 * i;
	p->ops[1024].fn = op_page_end;
	reset_slots(c, p);
	p->hnext = c->code[hash(gpa)];
	c->code[hash(gpa)] = p;
	count_pages(c, c->ncode + 1);
	return p;
}

/*
 * Only the slots [gpa, gpa + len) touches: a store next to code (data in a
 * text page, a patched instruction) leaves the rest of the page decoded.
 * The page keeps ndecoded (it may still hold decoded slots), so its stores
 * keep coming through the slow path.
 */
static void inval_page(struct ppc *c, struct code_page *p, uint64_t gpa, uint64_t end, bool all)
{
	uint64_t lo = gpa > p->gpa ? gpa : p->gpa, hi = end - 1 < p->gpa + PAGE_SIZE - 1 ? end : p->gpa + PAGE_SIZE;

	if (!p->ndecoded)
		return;
	if (all || (lo == p->gpa && hi == p->gpa + PAGE_SIZE)) {
		reset_slots(c, p);
		PSTAT(c, CODE_INVAL);
		return;
	}
	reset_range(c, p, (lo - p->gpa) >> 2, (hi - p->gpa + 3) >> 2);
	PSTAT(c, CODE_INVAL_SLOTS);
}

void code_invalidate(struct ppc *c, uint64_t gpa, uint64_t len)
{
	uint64_t first = gpa & PAGE_MASK, end = gpa + len;

	if (!c->code_any || !len)
		return;
	if (end < gpa || (end - first) / PAGE_SIZE > CODE_HASH) {
		for (unsigned h = 0; h < CODE_HASH; h++)
			for (struct code_page *p = c->code[h]; p; p = p->hnext)
				if (p->gpa + PAGE_SIZE > gpa && (end < gpa || p->gpa < end))
					inval_page(c, p, gpa, end, end < gpa);
		return;
	}
	for (uint64_t a = first; a < end; a += PAGE_SIZE) {
		struct code_page *p = code_find(c, a);

		if (p)
			inval_page(c, p, gpa, end, false);
	}
}

/*
 * Whether guest RAM can change behind this CPU's back: stores of another
 * vcpu (each resets only its own decoded code), or a file-backed slot
 * written through its file.  This CPU's stores and `mem` writes reset the
 * slots they overwrite as they happen.
 */
static bool foreign_writes(struct ppc *c)
{
	const struct memslots *ms = &c->vm->slots;

	if (c->vm->ncpus > 1)
		return true;
	for (int i = 0; i < ms->n; i++)
		if (ms->slot[i]->fd >= 0 && !(ms->slot[i]->flags & MEMSLOT_READONLY))
			return true;
	return false;
}

/*
 * iccci: decoded code must agree with memory.  Without foreign writes it
 * already does, so nothing goes: a kernel that flash-invalidates after
 * each instruction it patches would otherwise re-decode all its code each
 * time.
 */
void code_sync_all(struct ppc *c)
{
	if (foreign_writes(c))
		code_invalidate(c, 0, ~0ull);
}

/* Free everything (host mappings changed).  Never while a page is being executed. */
void code_drop_all(struct ppc *c)
{
	for (unsigned h = 0; h < CODE_HASH; h++) {
		struct code_page *p = c->code[h], *n;

		for (; p; p = n) {
			n = p->hnext;
			free(p);
		}
		c->code[h] = NULL;
	}
	count_pages(c, 0);
	c->code_any = false;
	c->cur_cp = NULL;
	c->plant = NULL;
	soft_flush(c);		/* fetch entries point at pages */
}
