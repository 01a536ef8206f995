/*
 * The shadow page engine (mmu.h): shadow pages cached by (gfn, role),
 * roots, the reverse map, write protection of guest page tables, and the
 * translation of a soft TLB miss.
 */
#include <stdlib.h>

#include "cpu.h"
#include "mmu.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

#define STAT(c, s) ((c)->v->astat[X86_STAT_##s]++)

static struct sp *spte_child(uint64_t e)
{
	return (struct sp *)(uintptr_t)(e & ~SPTE_P);
}

static unsigned sp_hash(uint64_t gfn)
{
	return (gfn * 0x9e3779b97f4a7c15ull) >> 54 & (SP_HASH - 1);
}

static unsigned rmap_hash(uint64_t gfn)
{
	return (gfn * 0x9e3779b97f4a7c15ull) >> 52 & (RMAP_HASH - 1);
}

int mmu_paging(const struct x86_cpu *c)
{
	return c->mmu->wm.levels != 0;
}

/* ---- guest memory for the walker ---- */

static int gmem_read(void *opaque, uint64_t gpa, unsigned size, uint64_t *val)
{
	struct x86_cpu *c = opaque;
	struct memslot *s = memslots_find(&c->vm->slots, gpa);
	uint8_t *h = s ? memslot_hva(s, gpa, size) : NULL;

	if (!h)
		return -1;
	*val = host_load(h, size);
	return 0;
}

/* The CPU's own A/D updates are guest writes: logged, and seen by decoded code. */
static void gmem_write(void *opaque, uint64_t gpa, unsigned size, uint64_t val)
{
	struct x86_cpu *c = opaque;
	struct memslot *s = memslots_find(&c->vm->slots, gpa);
	uint8_t *h = s && !(s->flags & MEMSLOT_READONLY) ? memslot_hva(s, gpa, size) : NULL;

	if (!h)
		return;
	memslot_mark_dirty(s, gpa);
	if (c->ncpages)
		blocks_page_written(c, gpa >> PAGE_SHIFT, gpa & ~PAGE_MASK, size);
	host_store(h, size, val);
}

/* ---- reverse map: gfn -> leaf sptes ---- */

static struct rmap *rmap_find(struct x86_mmu *m, uint64_t gfn)
{
	for (struct rmap *r = m->rmap[rmap_hash(gfn)]; r; r = r->next)
		if (r->gfn == gfn)
			return r;
	return NULL;
}

static int ptrs_add(uint64_t ***arr, unsigned *n, unsigned *cap, uint64_t *p)
{
	if (*n == *cap) {
		unsigned nc = *cap ? *cap * 2 : 4;
		uint64_t **na = realloc(*arr, nc * sizeof(*na));

		if (!na)
			return -1;
		*arr = na;
		*cap = nc;
	}
	(*arr)[(*n)++] = p;
	return 0;
}

static void ptrs_remove(uint64_t **arr, unsigned *n, uint64_t *p)
{
	for (unsigned i = 0; i < *n; i++)
		if (arr[i] == p) {
			arr[i] = arr[--*n];
			return;
		}
}

static int rmap_add(struct x86_mmu *m, uint64_t gfn, uint64_t *spte)
{
	struct rmap *r = rmap_find(m, gfn);

	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return -1;
		r->gfn = gfn;
		r->next = m->rmap[rmap_hash(gfn)];
		m->rmap[rmap_hash(gfn)] = r;
	}
	return ptrs_add(&r->sptes, &r->n, &r->cap, spte);
}

static void rmap_remove(struct x86_mmu *m, uint64_t gfn, uint64_t *spte)
{
	struct rmap **pp = &m->rmap[rmap_hash(gfn)], *r;

	while (*pp && (*pp)->gfn != gfn)
		pp = &(*pp)->next;
	if (!(r = *pp))
		return;
	ptrs_remove(r->sptes, &r->n, spte);
	if (!r->n) {
		*pp = r->next;
		free(r->sptes);
		free(r);
	}
}

/* ---- soft TLB ---- */

/*
 * A leaf spte went from old to new: the soft TLB entries made from it go
 * unless it only gained write-through (tlb.h's invariant).
 */
static void spte_changed(struct x86_cpu *c, uint64_t old, uint64_t new)
{
	uint64_t pa = old & ~0xfffull;

	if (!(old & SPTE_P))
		return;
	if ((old | SPTE_HW) != (new | SPTE_HW))
		tlb_inval_pa(c, pa, (1u << TLB_READ) | (1u << TLB_WRITE) | (1u << TLB_FETCH));
	else if ((old & SPTE_HW) && !(new & SPTE_HW))
		tlb_inval_pa(c, pa, 1u << TLB_WRITE);
}

/* ---- shadow pages ---- */

static void lru_unlink(struct sp *sp)
{
	sp->lru_prev->lru_next = sp->lru_next;
	sp->lru_next->lru_prev = sp->lru_prev;
}

static void lru_front(struct x86_mmu *m, struct sp *sp)
{
	sp->lru_next = m->lru.lru_next;
	sp->lru_prev = &m->lru;
	m->lru.lru_next->lru_prev = sp;
	m->lru.lru_next = sp;
}

static int parent_add(struct sp *child, struct sp *owner, uint64_t *e)
{
	if (child->nparents == child->parents_cap) {
		unsigned nc = child->parents_cap ? child->parents_cap * 2 : 4;
		struct sp_link *na = realloc(child->parents, nc * sizeof(*na));

		if (!na)
			return -1;
		child->parents = na;
		child->parents_cap = nc;
	}
	child->parents[child->nparents++] = (struct sp_link){ owner, e };
	return 0;
}

static void parent_remove(struct sp *child, const uint64_t *e)
{
	for (unsigned i = 0; i < child->nparents; i++)
		if (child->parents[i].e == e) {
			child->parents[i] = child->parents[--child->nparents];
			return;
		}
}

/* Clear one spte, keeping the reverse map and parent lists true. */
static void spte_zap(struct x86_mmu *m, const struct sp *sp, uint64_t *e)
{
	if (!(*e & SPTE_P))
		return;
	if (sp->role.level == 1) {
		rmap_remove(m, *e >> SPTE_GFN_SHIFT, e);
	} else {
		struct sp *child = spte_child(*e);

		parent_remove(child, e);
	}
	*e = 0;
}

static void unsync_unlink(struct sp *sp)
{
	*sp->uprev = sp->unext;
	if (sp->unext)
		sp->unext->uprev = sp->uprev;
	sp->unsync = 0;
}

static void shadow_free(struct x86_cpu *c, struct sp *sp)
{
	struct x86_mmu *m = c->mmu;
	struct sp **pp = &m->hash[sp_hash(sp->gfn)];

	if (sp->unsync)
		unsync_unlink(sp);
	for (unsigned i = 0; i < 512; i++)
		spte_zap(m, sp, &sp->spt[i]);
	for (unsigned i = 0; i < sp->nparents; i++)
		*sp->parents[i].e = 0;
	while (*pp != sp)
		pp = &(*pp)->hnext;
	*pp = sp->hnext;
	lru_unlink(sp);
	m->nsp--;
	free(sp->parents);
	free(sp);
}

/* Guest writes to gfn must come to the engine: a shadow page of it is in sync. */
static int gfn_protected(struct x86_cpu *c, uint64_t gfn)
{
	for (struct sp *sp = c->mmu->hash[sp_hash(gfn)]; sp; sp = sp->hnext)
		if (sp->gfn == gfn && !sp->role.direct && !sp->unsync)
			return 1;
	return 0;
}

/* A guest page becomes a shadowed page table: no write may reach it unseen. */
static void write_protect(struct x86_cpu *c, uint64_t gfn)
{
	struct rmap *r = rmap_find(c->mmu, gfn);

	for (unsigned i = 0; r && i < r->n; i++)
		*r->sptes[i] &= ~SPTE_HW;
	tlb_inval_pa(c, gfn << PAGE_SHIFT, 1u << TLB_WRITE);
}

/* ---- unsync leaf pages ---- */

/* The engine may let writes to this frame through without looking. */
static int write_through_ok(struct x86_cpu *c, uint64_t gfn, int writing)
{
	struct memslot *s = memslots_find(&c->vm->slots, gfn << PAGE_SHIFT);
	uint64_t pg;

	if (!s || (s->flags & MEMSLOT_READONLY) || gfn_protected(c, gfn))
		return 0;
	if (!s->dirty || writing)	/* a write marks the page dirty now */
		return 1;
	pg = ((gfn << PAGE_SHIFT) - s->gpa) >> PAGE_SHIFT;
	return !!(s->dirty[pg / 64] & (1ull << (pg % 64)));
}


/*
 * Bring one spte of an unsync page in line with the guest PTE it was made
 * from.  A PTE the walk would take as it is (present, accessed, no
 * reserved bits) is installed, as the CPU may load a TLB entry from it;
 * writes go through only while it is dirty.  Any other PTE drops the
 * spte, and the next access walks and faults or sets A.
 */
static void spte_resync(struct x86_cpu *c, struct sp *sp, unsigned i)
{
	struct x86_mmu *m = c->mmu;
	uint64_t *e = &sp->spt[i], pte, gfn, old = *e;
	struct walk_mode wm = { .levels = sp->role.glevels, .nxe = sp->role.nxe };
	unsigned es = wm.levels == 2 ? 4 : 8, idx = wm.levels == 2 ? sp->role.quadrant * 512 + i : i;
	unsigned rights;

	if (!(old & SPTE_P))
		return;
	if (gmem_read(c, (sp->gfn << PAGE_SHIFT) + idx * es, es, &pte) ||
	    walk_pte_leaf(&wm, pte, &gfn, &rights)) {
		spte_zap(m, sp, e);
		STAT(c, SPTE_ZAPS);
		spte_changed(c, old, 0);
		return;
	}
	rights &= sp->role.access;
	if (gfn != old >> SPTE_GFN_SHIFT) {
		spte_zap(m, sp, e);
		if (rmap_add(m, gfn, e)) {
			spte_changed(c, old, 0);
			return;
		}
		STAT(c, SPTES);
	}
	*e = gfn << SPTE_GFN_SHIFT | (uint64_t)rights << SPTE_RIGHTS_SHIFT | SPTE_P |
	     ((pte & PTE_D) && write_through_ok(c, gfn, 0) ? SPTE_HW : 0);
	spte_changed(c, old, *e);
}

/* The whole page in sync again, and its guest table write-protected again. */
static void sync_page(struct x86_cpu *c, struct sp *sp)
{
	for (unsigned i = 0; i < 512; i++)
		spte_resync(c, sp, i);
	unsync_unlink(sp);
	write_protect(c, sp->gfn);
	STAT(c, SYNC);
}

static void sync_gfn(struct x86_cpu *c, uint64_t gfn)
{
	for (struct sp *sp = c->mmu->hash[sp_hash(gfn)]; sp; sp = sp->hnext)
		if (sp->gfn == gfn && sp->unsync)
			sync_page(c, sp);
}

/* A CR3 write or a new context: no unsync page may outlive it. */
static void sync_all(struct x86_cpu *c)
{
	while (c->mmu->unsync)
		sync_page(c, c->mmu->unsync);
}

/*
 * A guest write reaches gfn, a shadowed page table.  When only leaf shadow
 * pages shadow it, they go unsync and the write goes through; otherwise it
 * stays write-protected and the write is emulated.
 */
static void try_unsync(struct x86_cpu *c, uint64_t gfn)
{
	struct x86_mmu *m = c->mmu;
	struct sp *sp;

	for (sp = m->hash[sp_hash(gfn)]; sp; sp = sp->hnext)
		if (sp->gfn == gfn && !sp->role.direct && sp->role.level > 1)
			return;
	for (sp = m->hash[sp_hash(gfn)]; sp; sp = sp->hnext) {
		if (sp->gfn != gfn || sp->role.direct || sp->unsync)
			continue;
		sp->unsync = 1;
		sp->unext = m->unsync;
		sp->uprev = &m->unsync;
		if (m->unsync)
			m->unsync->uprev = &sp->unext;
		m->unsync = sp;
		STAT(c, UNSYNC);
	}
}

/* Keep the cache under its limit: the least recently used pages that are no root go. */
static void make_room(struct x86_cpu *c)
{
	struct x86_mmu *m = c->mmu;
	struct sp *sp = m->lru.lru_prev, *prev;
	int evicted = 0;

	while (m->nsp >= m->limit && sp != &m->lru) {
		prev = sp->lru_prev;
		if (!sp->root_count) {
			shadow_free(c, sp);
			STAT(c, SP_EVICTED);
			evicted = 1;
		}
		sp = prev;
	}
	if (evicted)
		tlb_flush(c);
}

static struct sp *shadow_get(struct x86_cpu *c, uint64_t gfn, union sp_role role, int *hit)
{
	struct x86_mmu *m = c->mmu;
	unsigned h = sp_hash(gfn);
	struct sp *sp;

	for (sp = m->hash[h]; sp; sp = sp->hnext)
		if (sp->gfn == gfn && sp->role.word == role.word) {
			lru_unlink(sp);
			lru_front(m, sp);
			*hit = 1;
			return sp;
		}
	*hit = 0;
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		x86_internal(c, "out of memory for shadow pages");
	if (!role.direct) {
		/* a table of another level: its leaf pages cannot stay unsync */
		if (role.level > 1)
			sync_gfn(c, gfn);
		if (!gfn_protected(c, gfn))
			write_protect(c, gfn);
	}
	sp->gfn = gfn;
	sp->role = role;
	sp->hnext = m->hash[h];
	m->hash[h] = sp;
	lru_front(m, sp);
	m->nsp++;
	STAT(c, SP_CREATED);
	return sp;
}

static void link_child(struct x86_cpu *c, struct sp *owner, uint64_t *e, struct sp *child)
{
	if (parent_add(child, owner, e))
		x86_internal(c, "out of memory for shadow pages");
	*e = (uint64_t)(uintptr_t)child | SPTE_P;
}

/* Is `top` on a path from sp up through its parents? (A tree is at most 4 levels deep.) */
static int reaches(const struct sp *sp, const struct sp *top, unsigned depth)
{
	if (sp == top)
		return 1;
	for (unsigned i = 0; depth && i < sp->nparents; i++)
		if (reaches(sp->parents[i].sp, top, depth - 1))
			return 1;
	return 0;
}

/*
 * top was just made reachable (a root loaded, or a page linked under the
 * current root): the unsync pages below it are brought in line, as a TLB
 * holds nothing for them after a CR3 write.  The others may wait until
 * they are reached: no translation uses them until then.
 */
static void sync_below(struct x86_cpu *c, const struct sp *top)
{
	struct sp *sp = c->mmu->unsync, *next;

	for (; sp; sp = next) {
		next = sp->unext;
		if (reaches(sp, top, 4))
			sync_page(c, sp);
	}
}

/* ---- roots ---- */

static void mmu_unload(struct x86_cpu *c)
{
	struct x86_mmu *m = c->mmu;

	if (!m->root)
		return;
	if (m->root == &m->pae_root) {
		for (unsigned i = 0; i < 4; i++) {
			uint64_t *e = &m->pae_root.spt[i];

			if (*e & SPTE_P) {
				spte_child(*e)->root_count--;
				spte_zap(m, &m->pae_root, e);
			}
		}
	} else {
		m->root->root_count--;
	}
	m->root = NULL;
	tlb_detach(c);
}

static void root_counted(struct x86_cpu *c, int hit)
{
	if (!mmu_paging(c))
		return;
	if (hit)
		STAT(c, ROOT_HITS);
	else
		STAT(c, ROOT_MISSES);
}

static void mmu_load(struct x86_cpu *c)
{
	struct x86_mmu *m = c->mmu;
	union sp_role r = m->base;
	struct sp *sp;
	int hit;

	make_room(c);
	r.access = RIGHT_ALL;
	if (m->wm.levels == 4) {
		r.level = 4;
		sp = shadow_get(c, (m->wm.cr3 & ((1ull << 52) - 1)) >> PAGE_SHIFT, r, &hit);
		root_counted(c, hit);
		sp->root_count++;
		m->root = sp;
		sync_below(c, m->root);
		tlb_switch(c);
		return;
	}
	m->pae_root.role = m->base;
	m->pae_root.role.level = 3;
	r.level = 2;
	for (unsigned i = 0; i < 4; i++) {
		uint64_t gfn;

		r.quadrant = 0;
		r.direct = 0;
		if (m->wm.levels == 0) {
			r.direct = 1;
			gfn = (uint64_t)i << 18;
		} else if (m->wm.levels == 2) {
			r.quadrant = i;
			gfn = (uint32_t)m->wm.cr3 >> PAGE_SHIFT;
		} else if (m->wm.pdpte[i] & PTE_P) {
			gfn = (m->wm.pdpte[i] & ((1ull << MAXPHYADDR) - 1)) >> PAGE_SHIFT;
		} else {
			continue;
		}
		sp = shadow_get(c, gfn, r, &hit);
		root_counted(c, hit);
		sp->root_count++;
		link_child(c, &m->pae_root, &m->pae_root.spt[i], sp);
	}
	m->root = &m->pae_root;
	sync_below(c, m->root);
	tlb_switch(c);
}

int mmu_load_pdptes(struct x86_cpu *c)
{
	struct x86_mmu *m = c->mmu;
	uint64_t base = c->s.cr3 & 0xffffffe0ull, v[4];

	for (unsigned i = 0; i < 4; i++) {
		if (gmem_read(c, base + 8 * i, 8, &v[i]))
			v[i] = 0;
		if (walk_pdpte_bad(v[i]))
			return -1;
	}
	memcpy(m->wm.pdpte, v, sizeof(v));
	return 0;
}

int mmu_pae_bad(struct x86_cpu *c, uint64_t cr0, uint64_t cr4)
{
	uint64_t v;

	if (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE) || (c->s.efer & (EFER_LME | EFER_LMA)))
		return 0;
	for (unsigned i = 0; i < 4; i++)
		if (!gmem_read(c, (c->s.cr3 & 0xffffffe0ull) + 8 * i, 8, &v) && walk_pdpte_bad(v))
			return 1;
	return 0;
}

void mmu_reset_context(struct x86_cpu *c)
{
	struct x86_mmu *m = c->mmu;
	const struct x86_state *s = &c->s;
	struct walk_mode *w = &m->wm;

	w->levels = !(s->cr0 & CR0_PG) ? 0 : (s->efer & EFER_LMA) ? 4 : (s->cr4 & CR4_PAE) ? 3 : 2;
	w->nxe = w->levels >= 3 && (s->efer & EFER_NXE);
	w->pse = w->levels == 2 && (s->cr4 & CR4_PSE);
	w->wp = !!(s->cr0 & CR0_WP);
	w->smep = !!(s->cr4 & CR4_SMEP);
	w->smap = !!(s->cr4 & CR4_SMAP);
	w->cr3 = s->cr3;
	if (w->levels == 3)
		mmu_load_pdptes(c);
	sync_all(c);
	m->base.word = 0;
	m->base.glevels = w->levels;
	m->base.nxe = w->nxe;
	m->base.pse = w->pse;
	mmu_unload(c);
	tlb_flush(c);
}

/* The bits KVM calls kvm_mmu_reset_context for: they change how a walk reads the tables. */
#define CR0_PAGING (CR0_PG | CR0_WP | CR0_PE)
#define CR4_PAGING (CR4_PSE | CR4_PAE | CR4_PGE | CR4_SMEP | CR4_SMAP | CR4_PKE | CR4_LA57)
#define EFER_PAGING (EFER_NXE | EFER_LMA)

int mmu_paging_update(struct x86_cpu *c, uint64_t old_cr0, uint64_t old_cr4, uint64_t old_efer)
{
	const struct x86_state *s = &c->s;

	if (!((s->cr0 ^ old_cr0) & CR0_PAGING) && !((s->cr4 ^ old_cr4) & CR4_PAGING) &&
	    !((s->efer ^ old_efer) & EFER_PAGING))
		return 0;
	mmu_reset_context(c);
	return 1;
}

void mmu_cr3_write(struct x86_cpu *c, uint64_t cr3)
{
	struct x86_mmu *m = c->mmu;
	uint64_t old = c->s.cr3;

	c->s.cr3 = cr3;
	if (m->wm.levels == 3 && mmu_load_pdptes(c)) {
		c->s.cr3 = old;
		x86_fault(c, EXC_GP, 1, 0);
	}
	m->wm.cr3 = cr3;
	STAT(c, CR3_WRITES);
	/*
	 * A guest TLB flush: the unsync pages the new root reaches are
	 * synchronized as it is loaded (dropping the soft TLB entries made
	 * from sptes that change), and the root's own soft TLB set, if it
	 * has one, comes back with everything else still valid.
	 */
	mmu_unload(c);
	if (m->wm.levels)
		mmu_load(c);
}

void mmu_zap_all(struct x86_cpu *c)
{
	struct x86_mmu *m = c->mmu;

	mmu_unload(c);
	while (m->lru.lru_next != &m->lru)
		shadow_free(c, m->lru.lru_next);
	tlb_flush(c);
}

/* ---- translation ---- */

/* The level-1 shadow page on lin's path in the current root, or NULL. */
static struct sp *shadow_leaf_page(struct x86_mmu *m, uint64_t lin)
{
	struct sp *sp = m->root;

	for (unsigned l = sp->role.level; l > 1; l--) {
		uint64_t e = sp->spt[(lin >> (12 + 9 * (l - 1))) & 511];

		if (!(e & SPTE_P))
			return NULL;
		sp = spte_child(e);
	}
	return sp;
}

static uint64_t *shadow_leaf(struct x86_mmu *m, uint64_t lin)
{
	struct sp *sp = shadow_leaf_page(m, lin);

	return sp ? &sp->spt[(lin >> 12) & 511] : NULL;
}

/* An unsync page's spte for gva is synchronized; an spte in sync is dropped. */
void mmu_invlpg(struct x86_cpu *c, uint64_t gva)
{
	struct x86_mmu *m = c->mmu;
	struct sp *sp;
	uint64_t *e;

	STAT(c, INVLPG);
	if (m->root && (sp = shadow_leaf_page(m, gva))) {
		e = &sp->spt[(gva >> 12) & 511];
		if (sp->unsync) {
			spte_resync(c, sp, (gva >> 12) & 511);
		} else if (*e & SPTE_P) {
			uint64_t old = *e;

			spte_zap(m, sp, e);
			STAT(c, SPTE_ZAPS);
			spte_changed(c, old, 0);
		}
	}
	/* every other spte is as it was: the soft TLB keeps their entries */
	tlb_flush_page(c, gva);
}

/* Build the shadow path for lin from a successful guest walk; returns the leaf spte. */
static uint64_t *fill(struct x86_cpu *c, uint64_t lin, const struct walk *w, int writing)
{
	struct x86_mmu *m = c->mmu;
	struct sp *sp = m->root;
	uint64_t *e, old, gfn = w->gpa >> PAGE_SHIFT;
	int hit;

	for (unsigned l = sp->role.level; l > 1; l--) {
		e = &sp->spt[(lin >> (12 + 9 * (l - 1))) & 511];
		if (!(*e & SPTE_P)) {
			unsigned cl = l - 1;
			union sp_role r = m->base;
			uint64_t cg;
			struct sp *child;

			r.level = cl;
			if (cl < w->level) {
				/* inside a guest large page (or paging off): a physical range */
				r.direct = 1;
				r.access = w->rights;
				cg = gfn & ~((1ull << (9 * cl)) - 1);
			} else {
				r.access = w->rights_above[cl];
				cg = w->table_gfn[cl];
				if (m->wm.levels == 2)
					r.quadrant = cl == 1 ? (lin >> 21) & 1 : (lin >> 30) & 3;
			}
			child = shadow_get(c, cg, r, &hit);
			link_child(c, sp, e, child);
			/* a cached page (and what hangs below it) joins the tree: in line first */
			if (hit && child->unsync)
				sync_page(c, child);
			else if (hit && cl > 1)
				sync_below(c, child);
		}
		sp = spte_child(*e);
	}
	e = &sp->spt[(lin >> 12) & 511];
	old = *e;
	spte_zap(m, sp, e);
	if (rmap_add(m, gfn, e)) {
		spte_changed(c, old, 0);
		x86_internal(c, "out of memory for the reverse map");
	}
	*e = gfn << SPTE_GFN_SHIFT | (uint64_t)w->rights << SPTE_RIGHTS_SHIFT | SPTE_P |
	     (w->dirty && write_through_ok(c, gfn, writing) ? SPTE_HW : 0);
	spte_changed(c, old, *e);
	STAT(c, SPTES);
	return e;
}

static unsigned access_of(struct x86_cpu *c, int kind)
{
	unsigned a = MMU_KIND(kind) == TLB_WRITE ? PFERR_W : MMU_KIND(kind) == TLB_FETCH ? PFERR_ID : 0;

	return c->cpl == 3 && !(kind & MMU_SV) ? a | PFERR_U : a;
}

/* A supervisor data access to a user page allowed only by EFLAGS.AC is not cached. */
static int cacheable(const struct x86_mmu *m, unsigned rights, unsigned access)
{
	return !(m->wm.smap && (rights & RIGHT_U) && !(access & (PFERR_U | PFERR_ID)));
}

uint64_t mmu_translate(struct x86_cpu *c, uint64_t lin, int kind, int *cache, int *pt)
{
	struct x86_mmu *m = c->mmu;
	unsigned access = access_of(c, kind), rights;
	int ac = !(kind & MMU_NOAC) && (c->s.rflags & FL_AC);
	/* the soft TLB holds the current CPL's rights: no supervisor entry while at CPL 3 */
	int keep = !((kind & MMU_SV) && c->cpl == 3);
	struct walk_mem mem = { c, gmem_read, gmem_write };
	struct walk w;
	uint64_t *e, gfn;

	if (!m->root)
		mmu_load(c);
	e = shadow_leaf(m, lin);
	if (e && (*e & SPTE_P)) {
		rights = (*e >> SPTE_RIGHTS_SHIFT) & RIGHT_ALL;
		if (!walk_perm_fault(&m->wm, rights, access, ac) &&
		    (MMU_KIND(kind) != TLB_WRITE || (*e & SPTE_HW))) {
			*cache = keep && cacheable(m, rights, access);
			*pt = 0;
			return (*e & ~0xfffull) | (lin & 0xfff);
		}
	}
	STAT(c, SHADOW_FAULTS);
	make_room(c);
	if (!m->root)
		mmu_load(c);
	if (m->wm.levels) {
		switch (walk_gva(&m->wm, &mem, lin, access, ac, &w)) {
		case WALK_PF:
			STAT(c, PF_REFLECTED);
			c->s.cr2 = lin;
			x86_fault(c, EXC_PF, 1, w.error);
		case WALK_GP:
			x86_fault(c, EXC_GP, 1, 0);
		}
	} else {
		w = (struct walk){ .gpa = lin, .level = 5, .rights = RIGHT_ALL, .dirty = 1 };
	}
	gfn = w.gpa >> PAGE_SHIFT;
	kind = MMU_KIND(kind);
	if (kind == TLB_WRITE && gfn_protected(c, gfn))
		try_unsync(c, gfn);
	e = fill(c, lin, &w, kind == TLB_WRITE);
	*pt = kind == TLB_WRITE && gfn_protected(c, gfn);
	*cache = keep && cacheable(m, w.rights, access) && (kind != TLB_WRITE || (*e & SPTE_HW));
	return w.gpa;
}

/*
 * A write reached a page that shadow pages shadow: drop the sptes made from
 * the guest entries it touched; the next access walks the new entries.
 */
void mmu_pt_written(struct x86_cpu *c, uint64_t gfn, unsigned off, unsigned len)
{
	struct x86_mmu *m = c->mmu;
	int found = 0;

	for (struct sp *sp = m->hash[sp_hash(gfn)]; sp; sp = sp->hnext) {
		unsigned es, first, last;

		if (sp->gfn != gfn || sp->role.direct)
			continue;
		found = 1;
		es = sp->role.glevels == 2 ? 4 : 8;
		first = off / es;
		last = (off + len - 1) / es;
		for (unsigned g = first; g <= last && g < PAGE_SIZE / es; g++) {
			if (es == 8) {
				spte_zap(m, sp, &sp->spt[g]);
			} else if (sp->role.level == 1) {
				if (g >> 9 == sp->role.quadrant)
					spte_zap(m, sp, &sp->spt[g & 511]);
			} else if (g >> 8 == sp->role.quadrant) {
				spte_zap(m, sp, &sp->spt[(g & 255) * 2]);
				spte_zap(m, sp, &sp->spt[(g & 255) * 2 + 1]);
			}
			STAT(c, SPTE_ZAPS);
		}
	}
	if (found) {
		STAT(c, PT_WRITES);
		tlb_flush(c);
	}
}

void mmu_dirty_rearm(struct x86_cpu *c, uint64_t gfn, uint64_t n)
{
	struct x86_mmu *m = c->mmu;

	for (unsigned h = 0; h < RMAP_HASH; h++)
		for (struct rmap *r = m->rmap[h]; r; r = r->next)
			if (r->gfn - gfn < n)
				for (unsigned i = 0; i < r->n; i++)
					*r->sptes[i] &= ~SPTE_HW;
}

void mmu_translate_probe(struct x86_cpu *c, uint64_t gva, unsigned access, struct translate_result *t)
{
	struct x86_mmu *m = c->mmu;
	struct walk_mem mem = { c, gmem_read, NULL };
	struct walk w;

	t->gva = gva;
	t->access = access;
	if (!m->wm.levels) {
		t->status = WALK_OK;
		t->gpa = (uint32_t)gva;
		t->rights = RIGHT_ALL;
		t->level = 1;
		return;
	}
	t->status = walk_gva(&m->wm, &mem, gva, access, !!(c->s.rflags & FL_AC), &w);
	t->gpa = w.gpa;
	t->rights = w.rights;
	t->level = w.level;
	t->error = w.error;
}

int mmu_init(struct x86_cpu *c)
{
	struct x86_mmu *m = calloc(1, sizeof(*m));

	if (!m)
		return -1;
	m->lru.lru_next = m->lru.lru_prev = &m->lru;
	m->limit = SP_LIMIT_DEFAULT;
	m->tr.status = -1;
	c->mmu = m;
	return 0;
}

void mmu_destroy(struct x86_cpu *c)
{
	struct x86_mmu *m = c->mmu;

	if (!m)
		return;
	mmu_zap_all(c);
	for (unsigned h = 0; h < RMAP_HASH; h++)
		while (m->rmap[h]) {
			struct rmap *r = m->rmap[h];

			m->rmap[h] = r->next;
			free(r->sptes);
			free(r);
		}
	free(m);
	c->mmu = NULL;
}
