/*
 * The x86 soft TLB: the interpreter's cache of (linear page -> host
 * address) in front of the shadow page tables, tagged by address space.
 *
 * A vcpu keeps one set of entries per (shadow root, side of the U/S line)
 * it has used, up to TLB_SETS of them; c->tlb points at the active set's
 * entries, so a hit costs one load more than an untagged TLB.  A CR3 load
 * or a CPL change switches sets instead of emptying the one TLB, which is
 * what makes cached shadow roots pay off for a guest that switches among
 * many address spaces.
 *
 * Invariant: a valid entry of any set was derived from a live leaf spte of
 * that set's root, with the rights the spte has now.  What keeps it true:
 * - a leaf spte that changes or goes (resync, invlpg, refill, write
 *   protection) is dropped by physical page from the active set at once
 *   and logged (tlb_inval_pa); an inactive set replays the log when it is
 *   activated again, or is emptied when more happened than the log holds;
 * - anything wider (a shadow page freed, a non-leaf spte cleared, a new
 *   paging context) empties every set (tlb_flush): the active one at once,
 *   the others by generation when they are next activated.
 */
#ifndef X86_TLB_H
#define X86_TLB_H

#include <stdint.h>

#define TLB_BITS 8
#define TLB_SIZE (1u << TLB_BITS)
enum { TLB_READ, TLB_WRITE, TLB_FETCH, TLB_KINDS };

struct tlbe {
	uint64_t tag;		/* linear page address, or TLB_INVALID */
	uintptr_t delta;	/* host address = linear + delta */
	uint64_t pa;		/* physical page address */
};
#define TLB_INVALID (~0ull)	/* matches no address, aligned or not (fast_ptr) */

/*
 * Sets are made as they are needed (18 KiB each), at most TLB_SETS per vcpu
 * and, across a VM's vcpus, about TLB_SETS_PER_VM (each vcpu keeps at least
 * TLB_SETS_MIN): a guest cannot make the daemon hold more than a few MiB of
 * them per VM, however many address spaces it cycles through.
 */
#define TLB_SETS 128
#define TLB_SETS_PER_VM 256
#define TLB_SETS_MIN 8
/* Leaf-spte invalidations remembered for the inactive sets. */
#define TLB_LOG 16

struct tlbset {
	struct tlbe e[TLB_KINDS][TLB_SIZE];
	uint8_t user;		/* entries made at CPL 3 */
	uint64_t gen;		/* the vcpu's tlb_gen when it was last valid */
	uint64_t seq;		/* the vcpu's tlb_seq it has seen */
	uint64_t used;		/* last activation, for replacement */
	/* a bit per hash of the physical pages installed since the set was
	 * emptied: most invalidations find theirs clear and scan nothing */
	uint64_t filter[4];
};

/* Owned by the vcpu's thread: only it, or a thread holding the vcpu
 * (vcpu_hold: dirty-log harvests, memslot changes), touches a vcpu's sets. */
struct tlb_state {
	struct tlbset *cur;	/* the active set; &none when no root is loaded */
	struct tlbset *set[TLB_SETS];
	/* set[i]'s shadow root: a 4-level root, or the 4 PAE/2-level tops, and
	 * CPL 3 in bit 0 of the first (kept apart from the sets: a CR3 load
	 * looks through all of them) */
	uintptr_t key[TLB_SETS][4];
	unsigned nsets;
	uint64_t gen;		/* bumped by tlb_flush: every set is stale */
	uint64_t seq;		/* invalidations logged so far */
	uint64_t clock;
	struct { uint64_t pa; unsigned kinds; } log[TLB_LOG];
	struct tlbset none;	/* always empty: nothing is installed while it is active */
};

struct x86_cpu;
struct memslot;

int tlb_init(struct x86_cpu *c);
void tlb_destroy(struct x86_cpu *c);
/* Empty every set (now or, for the inactive ones, at their next activation). */
void tlb_flush(struct x86_cpu *c);
/* invlpg: one linear page of the active set. */
void tlb_flush_page(struct x86_cpu *c, uint64_t lin);
/* A leaf spte mapping pa_page changed or went: drop the entries of `kinds` (a mask of 1 << TLB_x). */
void tlb_inval_pa(struct x86_cpu *c, uint64_t pa_page, unsigned kinds);
/* Dirty logging re-armed for a slot: no set may keep a write entry into it. */
void tlb_drop_write_slot(struct x86_cpu *c, const struct memslot *s);
/* The shadow root or the CPL side changed: make the matching set active. */
void tlb_switch(struct x86_cpu *c);
/* No root is loaded: nothing may hit until one is (tlb_switch). */
void tlb_detach(struct x86_cpu *c);
/* How many sets this vcpu may make (its share of TLB_SETS_PER_VM). */
unsigned tlb_sets_max(const struct x86_cpu *c);
/* Put a translation in the active set (unless no root is loaded). */
void tlb_install(struct x86_cpu *c, int kind, uint64_t lin, uint64_t pa, uint8_t *host);

#endif
