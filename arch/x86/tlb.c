/*
 * The tagged soft TLB (tlb.h): one set of entries per shadow root and CPL
 * side, switched on CR3 loads and CPL changes, invalidated precisely.
 */
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "mmu.h"
#include "vmm/memslot.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

#define STAT(c, s) ((c)->v->astat[X86_STAT_##s]++)

static unsigned filter_bit(uint64_t pa)
{
	return (pa >> PAGE_SHIFT) & 255;
}

static int filter_has(const struct tlbset *t, uint64_t pa)
{
	return t->filter[filter_bit(pa) / 64] >> (filter_bit(pa) % 64) & 1;
}

static void set_clear(struct tlbset *t)
{
	memset(t->filter, 0, sizeof(t->filter));
	for (int k = 0; k < TLB_KINDS; k++)
		for (unsigned i = 0; i < TLB_SIZE; i++)
			t->e[k][i].tag = TLB_INVALID;
}

static void activate(struct x86_cpu *c, struct tlbset *t)
{
	c->tlbs.cur = t;
	c->tlb = t->e;
	/* the jump cache maps eip to blocks without translating again */
	c->jc_gen++;
}

int tlb_init(struct x86_cpu *c)
{
	set_clear(&c->tlbs.none);
	activate(c, &c->tlbs.none);
	return 0;
}

void tlb_destroy(struct x86_cpu *c)
{
	for (unsigned i = 0; i < c->tlbs.nsets; i++)
		free(c->tlbs.set[i]);
	c->tlbs.nsets = 0;
	activate(c, &c->tlbs.none);
}

void tlb_flush(struct x86_cpu *c)
{
	struct tlb_state *ts = &c->tlbs;

	ts->gen++;
	if (ts->cur != &ts->none) {
		set_clear(ts->cur);
		ts->cur->gen = ts->gen;
		ts->cur->seq = ts->seq;
		STAT(c, TLB_FLUSHES);
	}
	c->jc_gen++;
}

void tlb_flush_page(struct x86_cpu *c, uint64_t lin)
{
	for (int k = 0; k < TLB_KINDS; k++) {
		struct tlbe *e = &c->tlb[k][(lin >> PAGE_SHIFT) & (TLB_SIZE - 1)];

		if (e->tag == (lin & PAGE_MASK))
			e->tag = TLB_INVALID;
	}
	c->jc_gen++;
}

/* Drop a set's entries for the physical pages of log records [from, to). */
static void replay(struct tlb_state *ts, struct tlbset *t, uint64_t from, uint64_t to)
{
	unsigned kinds = 0;

	for (uint64_t s = from; s != to; s++)
		if (filter_has(t, ts->log[s % TLB_LOG].pa))
			kinds |= ts->log[s % TLB_LOG].kinds;
	for (int k = 0; k < TLB_KINDS; k++) {
		if (!(kinds >> k & 1))
			continue;
		for (unsigned i = 0; i < TLB_SIZE; i++) {
			struct tlbe *e = &t->e[k][i];

			if (e->tag == TLB_INVALID)
				continue;
			for (uint64_t s = from; s != to; s++)
				if (ts->log[s % TLB_LOG].pa == e->pa && (ts->log[s % TLB_LOG].kinds >> k & 1)) {
					e->tag = TLB_INVALID;
					break;
				}
		}
	}
}

void tlb_inval_pa(struct x86_cpu *c, uint64_t pa_page, unsigned kinds)
{
	struct tlb_state *ts = &c->tlbs;
	struct tlbset *t = ts->cur;

	ts->log[ts->seq % TLB_LOG].pa = pa_page;
	ts->log[ts->seq % TLB_LOG].kinds = kinds;
	ts->seq++;
	if (t == &ts->none)
		return;
	replay(ts, t, ts->seq - 1, ts->seq);
	t->seq = ts->seq;
	if (kinds & (1u << TLB_FETCH))
		c->jc_gen++;
}

void tlb_drop_write_slot(struct x86_cpu *c, const struct memslot *s)
{
	for (unsigned n = 0; n < c->tlbs.nsets; n++)
		for (unsigned i = 0; i < TLB_SIZE; i++) {
			struct tlbe *e = &c->tlbs.set[n]->e[TLB_WRITE][i];

			if (e->tag != TLB_INVALID && e->pa - s->gpa < s->size)
				e->tag = TLB_INVALID;
		}
}

void tlb_detach(struct x86_cpu *c)
{
	activate(c, &c->tlbs.none);
}

/* What the current root is, and the CPL side, as a set's key. */
static void root_key(const struct x86_cpu *c, uintptr_t key[4], uint8_t user)
{
	const struct x86_mmu *m = c->mmu;

	if (m->root == &m->pae_root) {
		for (unsigned i = 0; i < 4; i++)
			key[i] = (uintptr_t)(m->pae_root.spt[i] & ~SPTE_P);
	} else {
		key[0] = (uintptr_t)m->root;
		key[1] = key[2] = key[3] = 0;
	}
	key[0] |= user;		/* shadow pages are aligned */
}

unsigned tlb_sets_max(const struct x86_cpu *c)
{
	unsigned n = TLB_SETS_PER_VM / (c->vm->ncpus > 0 ? (unsigned)c->vm->ncpus : 1u);

	return n < TLB_SETS_MIN ? TLB_SETS_MIN : n > TLB_SETS ? TLB_SETS : n;
}

/* A set for a new key: a new one while under the bound, else the least recently used. */
static int set_take(struct x86_cpu *c)
{
	struct tlb_state *ts = &c->tlbs;
	struct tlbset *t;
	unsigned n;

	if (ts->nsets < tlb_sets_max(c) && (t = malloc(sizeof(*t)))) {
		ts->set[ts->nsets] = t;
		STAT(c, TLB_SETS_MADE);
		set_clear(t);
		return ts->nsets++;
	}
	if (!ts->nsets)
		return -1;
	n = 0;
	for (unsigned i = 1; i < ts->nsets; i++)
		if (ts->set[i]->used < ts->set[n]->used)
			n = i;
	set_clear(ts->set[n]);
	STAT(c, TLB_FLUSHES);
	return n;
}

void tlb_switch(struct x86_cpu *c)
{
	struct tlb_state *ts = &c->tlbs;
	struct tlbset *t;
	uintptr_t key[4];
	/* without paging every access has all rights: the sides share one set */
	uint8_t user = mmu_paging(c) && c->cpl == 3;
	int n = -1;

	if (!c->mmu->root) {
		tlb_detach(c);
		return;
	}
	root_key(c, key, user);
	for (unsigned i = 0; i < ts->nsets; i++)
		if (ts->key[i][0] == key[0] && ts->key[i][1] == key[1] &&
		    ts->key[i][2] == key[2] && ts->key[i][3] == key[3]) {
			n = i;
			break;
		}
	if (n >= 0 && ts->set[n] == ts->cur)
		return;
	STAT(c, TLB_SWITCHES);
	if (n < 0) {
		n = set_take(c);
		if (n < 0) {
			tlb_detach(c);
			return;
		}
		memcpy(ts->key[n], key, sizeof(key));
		ts->set[n]->user = user;
	} else if (ts->set[n]->gen != ts->gen || ts->seq - ts->set[n]->seq > TLB_LOG) {
		set_clear(ts->set[n]);
		STAT(c, TLB_FLUSHES);
	} else if (ts->set[n]->seq != ts->seq) {
		replay(ts, ts->set[n], ts->set[n]->seq, ts->seq);
	}
	t = ts->set[n];
	t->gen = ts->gen;
	t->seq = ts->seq;
	t->used = ++ts->clock;
	activate(c, t);
}

void tlb_install(struct x86_cpu *c, int kind, uint64_t lin, uint64_t pa, uint8_t *host)
{
	struct tlbe *e;

	if (c->tlbs.cur == &c->tlbs.none)
		return;
	e = &c->tlb[kind][(lin >> PAGE_SHIFT) & (TLB_SIZE - 1)];
	e->tag = lin & PAGE_MASK;
	e->delta = (uintptr_t)host - (uintptr_t)(lin & PAGE_MASK);
	e->pa = pa & PAGE_MASK;
	c->tlbs.cur->filter[filter_bit(pa) / 64] |= 1ull << (filter_bit(pa) % 64);
	STAT(c, TLB_FILLS);
}
