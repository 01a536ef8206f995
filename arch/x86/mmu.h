/*
 * The x86 shadow page engine, after KVM's shadow MMU.  The interpreter's
 * soft TLB misses into shadow page tables of our own format; only a miss
 * there walks the guest's tables (walk.h).
 *
 * Shadow tables are 512-entry pages of 64-bit sptes.  For 2-level, PAE and
 * paging-off guests the root is a per-vcpu 4-entry table (one entry per
 * GiB of the 32-bit space); 4-level guests use a shadow page of their PML4.
 * A 32-bit guest table holds 1024 entries, so it is shadowed by several
 * shadow pages told apart by the role's quadrant.  Guest large pages and
 * paging off are mapped by direct pages: 4 KiB sptes for a physical range.
 *
 * Invariants:
 * - A guest page that an indirect shadow page shadows is write-protected
 *   unless all its shadow pages are unsync: no leaf spte mapping it has
 *   SPTE_HW, no soft TLB write entry covers it, so every guest write to it
 *   comes through mmu_pt_written().
 * - Only leaf shadow pages (level 1) go unsync, and only when no shadow
 *   page of another level shadows the same guest page.  An unsync page's
 *   sptes may be older than the guest's PTEs, as a TLB's entries may; it
 *   is synchronized on invlpg of an address it maps (that one spte), when
 *   a root that reaches it is loaded (a CR3 write), when it or a page
 *   above it is linked into the tree (all of it), and on a context change.
 *   An unsync page no loaded root reaches may stay behind the guest: no
 *   translation uses it until one of those happens.
 * - A leaf spte has SPTE_HW only when the guest PTE's D bit is set and, if
 *   the page's slot logs dirty pages, the page is marked dirty.
 * - Every leaf spte is on the reverse map of the frame it maps; every
 *   non-leaf spte is on its child's parent list.
 * - A soft TLB entry is derived from a live spte of its set's root (tlb.h).
 */
#ifndef X86_MMU_H
#define X86_MMU_H

#include <stdint.h>

#include "walk.h"

struct x86_cpu;
struct buf;

union sp_role {
	uint32_t word;
	struct {
		unsigned level : 3;	/* 1: holds 4 KiB leaves */
		unsigned glevels : 3;	/* guest paging: 0 off, 2, 3 (PAE), 4 */
		unsigned direct : 1;	/* maps a physical range, shadows no guest table */
		unsigned quadrant : 2;	/* which part of a 1024-entry guest table */
		unsigned access : 3;	/* RIGHT_* granted by the guest levels above */
		unsigned nxe : 1;
		unsigned pse : 1;
	};
};

#define SPTE_P 1ull
#define SPTE_HW 2ull		/* writes go through without the engine */
#define SPTE_RIGHTS_SHIFT 2	/* leaf: RIGHT_* of the guest translation */
#define SPTE_GFN_SHIFT 12

struct sp {
	struct sp *hnext;
	struct sp *lru_prev, *lru_next;
	uint64_t gfn;
	union sp_role role;
	unsigned root_count;
	unsigned unsync;
	struct sp *unext, **uprev;	/* the unsync list */
	unsigned nparents, parents_cap;
	struct sp_link {
		struct sp *sp;	/* the shadow page (or the 4-entry root) holding the spte */
		uint64_t *e;
	} *parents;		/* sptes that point here */
	uint64_t spt[512];
};

struct rmap {
	struct rmap *next;
	uint64_t gfn;
	unsigned n, cap;
	uint64_t **sptes;	/* leaf sptes mapping gfn */
};

#define SP_HASH 1024
#define RMAP_HASH 4096
#define SP_LIMIT_DEFAULT 2048

struct translate_result {
	uint64_t gva, gpa;
	int status;		/* WALK_OK, WALK_PF, WALK_GP, or -1: nothing asked yet */
	unsigned rights, level, access;
	uint32_t error;
};

struct x86_mmu {
	struct sp *hash[SP_HASH];
	struct sp lru;			/* list head: most recently used first */
	unsigned nsp, limit;
	struct sp *unsync;		/* leaf pages that guest writes reach unseen */
	struct rmap *rmap[RMAP_HASH];
	struct sp pae_root;		/* the 4-entry root; never in the hash */
	struct sp *root;		/* NULL: loaded at the next miss */
	union sp_role base;		/* role bits of the current context */
	struct walk_mode wm;
	struct translate_result tr;
};

int mmu_init(struct x86_cpu *c);
void mmu_destroy(struct x86_cpu *c);
/* CR0, CR4 or EFER changed, or state was set from outside: a new context. */
void mmu_reset_context(struct x86_cpu *c);
/*
 * After CR0, CR4 or EFER took new values (the old ones given): a new
 * context if a bit the walk depends on changed, whatever wrote it (1 then).
 */
int mmu_paging_update(struct x86_cpu *c, uint64_t old_cr0, uint64_t old_cr4, uint64_t old_efer);
/* mov to cr3 (#GP for bad PAE PDPTEs by longjmp). */
void mmu_cr3_write(struct x86_cpu *c, uint64_t cr3);
/* Load the PAE PDPTEs from cr3; 0, or -1 when one has reserved bits set. */
int mmu_load_pdptes(struct x86_cpu *c);
/* Would these cr0 and cr4 enter PAE paging with bad PDPTEs (#GP)? */
int mmu_pae_bad(struct x86_cpu *c, uint64_t cr0, uint64_t cr4);
void mmu_invlpg(struct x86_cpu *c, uint64_t gva);
/* Drop every shadow page (the memslots changed, or `tlb` was told to flush). */
void mmu_zap_all(struct x86_cpu *c);

/*
 * The memory path's translation of a soft TLB miss: the guest-physical
 * address of lin for an access of `kind` (TLB_READ/WRITE/FETCH, with
 * MMU_SV or MMU_IMPLICIT: cpu.h), or a #PF by longjmp.  *cache: the result may
 * be put in the soft TLB.  *pt: a write to a shadowed guest page table,
 * to be emulated.
 */
uint64_t mmu_translate(struct x86_cpu *c, uint64_t lin, int kind, int *cache, int *pt);
/* Guest page [gfn] bytes [off, off+len) were written by the guest or userspace. */
void mmu_pt_written(struct x86_cpu *c, uint64_t gfn, unsigned off, unsigned len);
/* A dirty-log harvest of [gfn, gfn+n): protect those pages' sptes again. */
void mmu_dirty_rearm(struct x86_cpu *c, uint64_t gfn, uint64_t n);
/* Paging is on for this vcpu. */
int mmu_paging(const struct x86_cpu *c);
/* A side-effect-free walk for the translate file. */
void mmu_translate_probe(struct x86_cpu *c, uint64_t gva, unsigned access, struct translate_result *r);

#endif
