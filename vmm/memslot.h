/*
 * Guest physical memory: slots with KVM_SET_USER_MEMORY_REGION semantics.
 *
 * Invariant: slots are page aligned, never overlap, and are kept sorted by
 * gpa.  A vcpu reads the table without a lock; every change to it is made
 * with all of the VM's vcpus held at an instruction boundary (vm_lock_vcpus),
 * so a running vcpu never sees a table in the middle of a change.
 */
#ifndef VMM_MEMSLOT_H
#define VMM_MEMSLOT_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ull << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

#define MEMSLOTS_MAX 32
#define MEMSLOT_DIRTY_LOG (1u << 0)
#define MEMSLOT_READONLY  (1u << 1)
#define GPA_LIMIT ((1ull << 63) - PAGE_SIZE)	/* slots end by here: `mem` offsets and size are off_t */

struct memslot {
	uint32_t id;
	uint32_t flags;
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;		/* mapping of `size` bytes */
	uint64_t *dirty;	/* one bit per page, when MEMSLOT_DIRTY_LOG */
	char backing[256];	/* "anon" or the file's path as given */
	int fd;			/* backing file, or -1 */
	bool private_map;	/* the file is mapped privately (added readonly) */
	/*
	 * The file lost pages under the mapping (its owner truncated it): a
	 * SIGBUS was recovered by mapping zeros over the whole slot.  Set from
	 * the signal handler (atomically): MEMSLOT_LOST, then MEMSLOT_REPORTED
	 * once the VM's log says so.  `mem` treats such a slot as a hole.
	 */
	int lost;
};

#define MEMSLOT_LOST 1
#define MEMSLOT_REPORTED 2
/* File-backed slots the whole daemon may have (the SIGBUS guard table). */
#define MEMSLOT_GUARDS 4096

struct memslots {
	int n;
	struct memslot *slot[MEMSLOTS_MAX];	/* sorted by gpa */
};

/* What a write to `memslots` asks for, parsed and checked for syntax. */
struct memslot_req {
	uint32_t id;
	uint64_t gpa, size;
	uint32_t flags;
	bool has_gpa, has_flags;
	int fd;			/* opened by the caller's side, or -1 for anonymous */
	char backing[256];
};

/* Find the slot containing gpa, or NULL.  O(log n). */
struct memslot *memslots_find(const struct memslots *ms, uint64_t gpa);
struct memslot *memslots_by_id(const struct memslots *ms, uint32_t id);

/*
 * Host pointer for [gpa, gpa+len) when it lies inside one slot, else NULL.
 * The only way code outside this file turns a guest address into a host one.
 */
static inline uint8_t *memslot_hva(const struct memslot *s, uint64_t gpa, uint64_t len)
{
	uint64_t off = gpa - s->gpa;
	if (gpa < s->gpa || off >= s->size || len > s->size - off)
		return NULL;
	return s->host + off;
}

/*
 * Check a request against the table: returns 0 or a negative errno and, on
 * error, fills `why` with one explanatory line.  Does not change anything.
 */
int memslots_check(const struct memslots *ms, const struct memslot_req *rq, char *why, size_t whylen);
/* Apply a checked request (create, move, change flags, or delete when size == 0). */
int memslots_apply(struct memslots *ms, const struct memslot_req *rq, char *why, size_t whylen);
void memslots_free(struct memslots *ms);

/* Dirty bitmap helpers. */
static inline void memslot_mark_dirty(struct memslot *s, uint64_t gpa)
{
	if (s->dirty) {
		uint64_t pg = (gpa - s->gpa) >> PAGE_SHIFT;
		__atomic_fetch_or(&s->dirty[pg / 64], 1ull << (pg % 64), __ATOMIC_RELAXED);
	}
}
size_t memslot_npages(const struct memslot *s);
size_t memslot_dirty_words(const struct memslot *s);

/*
 * Copy guest memory; stop at the first hole.  Returns the number of bytes
 * moved (possibly short), never touching anything outside the slots.
 */
size_t memslots_read(const struct memslots *ms, uint64_t gpa, void *dst, size_t len);
size_t memslots_write(const struct memslots *ms, uint64_t gpa, const void *src, size_t len);
/*
 * SIGBUS from a file-backed slot whose file was truncated.  The handler
 * (installed with the first file-backed slot) maps zeros over the slot,
 * marks it lost and lets the access complete; it bumps memslot_faults and,
 * on a vcpu thread that set memslot_fault_kick, raises that counter (the
 * vcpu's requests) so the interpreter returns, and sets memslot_fault_here
 * for that thread to undo the raise.  A SIGBUS anywhere else still kills
 * the process.
 */
extern unsigned memslot_faults;
extern __thread unsigned *memslot_fault_kick;
extern __thread int memslot_fault_here;
static inline bool memslot_lost(const struct memslot *s)
{
	return __atomic_load_n(&s->lost, __ATOMIC_ACQUIRE) != 0;
}
/*
 * For readers that hand slot memory to the kernel (which copies it without
 * faulting in userspace): false, having marked the slot lost, when its file
 * is now shorter than the slot.
 */
bool memslot_backing_ok(struct memslot *s);

/* Highest gpa+size over all slots (the size the `mem` file reports). */
uint64_t memslots_extent(const struct memslots *ms);

#endif
