#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memslot.h"

/*
 * SIGBUS guards.  Nothing stops the owner of a backing file from truncating
 * it (a lease only delays that, seals exist only on memfd and shmem), and
 * an access to a mapped page past the new end of the file raises SIGBUS on
 * whichever thread touched it: a vcpu, a `mem` transfer, a loader.  The
 * handler finds the slot in this table, maps zeros over all of it with
 * MAP_FIXED (the file's pages are gone in one step, with no moment without
 * a mapping) and returns, so the faulting access is restarted and completes
 * harmlessly; the slot is then marked lost and the code that touched it
 * reports that at its next check.  The table is read in the handler
 * without a lock: `end` is published last (release) and cleared first.  A
 * slot leaves the table before it is unmapped, and slots are unmapped only
 * with every vcpu held and `mem` locked out, so no access is in flight.
 */
struct guard {
	uintptr_t start, end;		/* [start, end) of the mapping; end 0 = free */
	struct memslot *slot;
};
static struct guard guards[MEMSLOT_GUARDS];
static pthread_mutex_t guards_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t guards_once = PTHREAD_ONCE_INIT;
static struct sigaction bus_before;
unsigned memslot_faults;
__thread unsigned *memslot_fault_kick;
__thread int memslot_fault_here;

/* Async-signal-safe: one system call. */
static void map_zeros(uint8_t *start, size_t len)
{
	mmap(start, len, PROT_READ | PROT_WRITE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
}

static void mark_lost(struct memslot *s)
{
	int none = 0;

	__atomic_compare_exchange_n(&s->lost, &none, MEMSLOT_LOST, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&memslot_faults, 1, __ATOMIC_SEQ_CST);
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr;
	int saved = errno;

	(void)sig;
	(void)uc;
	for (unsigned i = 0; si->si_code > 0 && i < MEMSLOT_GUARDS; i++) {
		uintptr_t end = __atomic_load_n(&guards[i].end, __ATOMIC_ACQUIRE);

		if (a >= guards[i].start && a < end) {
			map_zeros((uint8_t *)guards[i].start, end - guards[i].start);
			mark_lost(guards[i].slot);
			if (memslot_fault_kick && !memslot_fault_here) {
				__atomic_add_fetch(memslot_fault_kick, 1, __ATOMIC_SEQ_CST);
				memslot_fault_here = 1;
			}
			errno = saved;
			return;
		}
	}
	/* not a slot's: what would have happened without us (the same fault
	 * comes again on return; a SIGBUS sent by kill is raised again) */
	sigaction(SIGBUS, &bus_before, NULL);
	if (si->si_code <= 0)
		raise(SIGBUS);
	errno = saved;
}

static void guards_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &bus_before);
}

static int guard_add(struct memslot *s)
{
	int r = -ENOSPC;

	pthread_once(&guards_once, guards_install);
	pthread_mutex_lock(&guards_lock);
	for (unsigned i = 0; i < MEMSLOT_GUARDS; i++)
		if (!guards[i].end) {
			guards[i].start = (uintptr_t)s->host;
			guards[i].slot = s;
			__atomic_store_n(&guards[i].end, (uintptr_t)s->host + s->size, __ATOMIC_RELEASE);
			r = 0;
			break;
		}
	pthread_mutex_unlock(&guards_lock);
	return r;
}

static void guard_remove(struct memslot *s)
{
	pthread_mutex_lock(&guards_lock);
	for (unsigned i = 0; i < MEMSLOT_GUARDS; i++)
		if (guards[i].end && guards[i].slot == s) {
			__atomic_store_n(&guards[i].end, 0, __ATOMIC_RELEASE);
			guards[i].slot = NULL;
		}
	pthread_mutex_unlock(&guards_lock);
}

bool memslot_backing_ok(struct memslot *s)
{
	struct stat st;

	if (s->fd < 0)
		return true;
	if (memslot_lost(s))
		return false;
	if (fstat(s->fd, &st) || (uint64_t)st.st_size >= s->size)
		return true;
	map_zeros(s->host, s->size);
	mark_lost(s);
	return false;
}

struct memslot *memslots_find(const struct memslots *ms, uint64_t gpa)
{
	int lo = 0, hi = ms->n - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		struct memslot *s = ms->slot[mid];

		if (gpa < s->gpa)
			hi = mid - 1;
		else if (gpa - s->gpa >= s->size)
			lo = mid + 1;
		else
			return s;
	}
	return NULL;
}

struct memslot *memslots_by_id(const struct memslots *ms, uint32_t id)
{
	for (int i = 0; i < ms->n; i++)
		if (ms->slot[i]->id == id)
			return ms->slot[i];
	return NULL;
}

size_t memslot_npages(const struct memslot *s)
{
	return s->size >> PAGE_SHIFT;
}

size_t memslot_dirty_words(const struct memslot *s)
{
	return (memslot_npages(s) + 63) / 64;
}

int memslots_check(const struct memslots *ms, const struct memslot_req *rq, char *why, size_t whylen)
{
	const struct memslot *old = memslots_by_id(ms, rq->id);
	uint64_t gpa = rq->has_gpa ? rq->gpa : (old ? old->gpa : 0);

	if (rq->id >= MEMSLOTS_MAX) {
		snprintf(why, whylen, "slot %u out of range: slots are 0-%d", rq->id, MEMSLOTS_MAX - 1);
		return -ERANGE;
	}
	if (rq->size == 0) {
		if (!old) {
			snprintf(why, whylen, "slot %u does not exist, nothing to delete", rq->id);
			return -ENOENT;
		}
		return 0;
	}
	if (!old && !rq->has_gpa) {
		snprintf(why, whylen, "new slot %u needs gpa=ADDR", rq->id);
		return -EINVAL;
	}
	if ((gpa | rq->size) & (PAGE_SIZE - 1)) {
		snprintf(why, whylen, "gpa 0x%llx and size 0x%llx must be multiples of 4K",
			 (unsigned long long)gpa, (unsigned long long)rq->size);
		return -EINVAL;
	}
	if (gpa + rq->size < gpa) {
		snprintf(why, whylen, "gpa 0x%llx + size 0x%llx wraps around",
			 (unsigned long long)gpa, (unsigned long long)rq->size);
		return -ERANGE;
	}
	/* guest memory is also the `mem` file, whose offsets (off_t) end at 2^63 */
	if (gpa + rq->size > GPA_LIMIT) {
		snprintf(why, whylen, "gpa 0x%llx + size 0x%llx ends past 0x%llx, where mem's offsets end",
			 (unsigned long long)gpa, (unsigned long long)rq->size, GPA_LIMIT);
		return -ERANGE;
	}
	if (old && old->size != rq->size) {
		snprintf(why, whylen, "slot %u is 0x%llx bytes; to resize, delete it (size=0) and add it again",
			 rq->id, (unsigned long long)old->size);
		return -EINVAL;
	}
	if (rq->fd >= 0) {
		struct stat st;

		if (fstat(rq->fd, &st) || !S_ISREG(st.st_mode)) {
			snprintf(why, whylen, "the backing file is not a regular file");
			return -EINVAL;
		}
		if ((uint64_t)st.st_size < rq->size) {
			snprintf(why, whylen, "the backing file has 0x%llx bytes, fewer than the slot's 0x%llx",
				 (unsigned long long)st.st_size, (unsigned long long)rq->size);
			return -EINVAL;
		}
	}
	/* its file is mapped privately: guest writes would never reach the file */
	if (old && old->private_map && rq->has_flags &&
	    !(rq->flags & MEMSLOT_READONLY)) {
		snprintf(why, whylen, "slot %u maps its file privately (it was added readonly), so "
			 "writes would never reach the file: delete it and add it again without readonly",
			 rq->id);
		return -EINVAL;
	}
	if (old && rq->fd >= 0) {
		snprintf(why, whylen, "slot %u exists; its backing cannot change (delete it first)", rq->id);
		return -EINVAL;
	}
	for (int i = 0; i < ms->n; i++) {
		const struct memslot *s = ms->slot[i];

		if (s == old)
			continue;
		if (gpa < s->gpa + s->size && s->gpa < gpa + rq->size) {
			snprintf(why, whylen, "slot %u at 0x%llx-0x%llx overlaps slot %u at 0x%llx-0x%llx",
				 rq->id, (unsigned long long)gpa, (unsigned long long)(gpa + rq->size - 1),
				 s->id, (unsigned long long)s->gpa,
				 (unsigned long long)(s->gpa + s->size - 1));
			return -EEXIST;
		}
	}
	if (!old && ms->n >= MEMSLOTS_MAX) {
		snprintf(why, whylen, "all %d slots are in use", MEMSLOTS_MAX);
		return -ENOSPC;
	}
	return 0;
}

static void slot_free(struct memslot *s)
{
	if (s->fd >= 0)
		guard_remove(s);
	if (s->host)
		munmap(s->host, s->size);
	if (s->fd >= 0)
		close(s->fd);
	free(s->dirty);
	free(s);
}

static void sort_slots(struct memslots *ms)
{
	for (int i = 1; i < ms->n; i++)
		for (int j = i; j > 0 && ms->slot[j - 1]->gpa > ms->slot[j]->gpa; j--) {
			struct memslot *t = ms->slot[j];
			ms->slot[j] = ms->slot[j - 1];
			ms->slot[j - 1] = t;
		}
}

static int set_flags(struct memslot *s, uint32_t flags)
{
	if ((flags & MEMSLOT_DIRTY_LOG) && !s->dirty) {
		s->dirty = calloc(memslot_dirty_words(s), sizeof(uint64_t));
		if (!s->dirty)
			return -ENOMEM;
	} else if (!(flags & MEMSLOT_DIRTY_LOG)) {
		free(s->dirty);
		s->dirty = NULL;
	}
	s->flags = flags;
	return 0;
}

int memslots_apply(struct memslots *ms, const struct memslot_req *rq, char *why, size_t whylen)
{
	struct memslot *old = memslots_by_id(ms, rq->id), *s;
	int r = memslots_check(ms, rq, why, whylen);

	if (r)
		return r;
	if (rq->size == 0) {
		int i;

		for (i = 0; ms->slot[i] != old; i++)
			;
		memmove(&ms->slot[i], &ms->slot[i + 1], (ms->n - i - 1) * sizeof(ms->slot[0]));
		ms->n--;
		slot_free(old);
		return 0;
	}
	if (old) {
		if (rq->has_flags && (r = set_flags(old, rq->flags))) {
			snprintf(why, whylen, "no memory for the dirty bitmap of slot %u", rq->id);
			return r;
		}
		if (rq->has_gpa)
			old->gpa = rq->gpa;
		sort_slots(ms);
		return 0;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		goto nomem;
	s->id = rq->id;
	s->gpa = rq->gpa;
	s->size = rq->size;
	s->fd = -1;
	s->private_map = rq->fd >= 0 && (rq->flags & MEMSLOT_READONLY);
	if (rq->fd >= 0)
		/* a read-only slot maps its file privately: the file never changes */
		s->host = mmap(NULL, rq->size, PROT_READ | PROT_WRITE,
			       (rq->flags & MEMSLOT_READONLY) ? MAP_PRIVATE : MAP_SHARED, rq->fd, 0);
	else
		s->host = mmap(NULL, rq->size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (s->host == MAP_FAILED) {
		s->host = NULL;
		slot_free(s);
		snprintf(why, whylen, "cannot map 0x%llx bytes for slot %u: %s",
			 (unsigned long long)rq->size, rq->id, strerror(errno));
		return -ENOMEM;
	}
	/*
	 * Anonymous guest RAM in transparent huge pages where the kernel has
	 * them (as QEMU does): the kernel pins and copies every page that a
	 * read of `mem` moves, and with 4 KiB pages each one costs a cold page
	 * table entry and a cold struct page; a 2 MiB page shares one.  A touch
	 * makes 2 MiB resident instead of 4 KiB.  Only a hint: without THP the
	 * slot stays as it is.
	 */
	if (rq->fd < 0)
		madvise(s->host, rq->size, MADV_HUGEPAGE);
	if (set_flags(s, rq->has_flags ? rq->flags : 0)) {
		slot_free(s);
		goto nomem;
	}
	if (rq->fd >= 0) {
		s->fd = dup(rq->fd);
		if (s->fd < 0) {
			slot_free(s);
			goto nomem;
		}
		if (guard_add(s)) {
			slot_free(s);
			snprintf(why, whylen, "the daemon has %d file-backed slots, the most it keeps",
				 MEMSLOT_GUARDS);
			return -ENOSPC;
		}
	}
	snprintf(s->backing, sizeof(s->backing), "%s", rq->backing[0] ? rq->backing : "anon");
	ms->slot[ms->n++] = s;
	sort_slots(ms);
	return 0;
nomem:
	snprintf(why, whylen, "out of memory creating slot %u", rq->id);
	return -ENOMEM;
}

void memslots_free(struct memslots *ms)
{
	for (int i = 0; i < ms->n; i++)
		slot_free(ms->slot[i]);
	ms->n = 0;
}

static size_t copy(const struct memslots *ms, uint64_t gpa, void *buf, size_t len, int write)
{
	size_t done = 0;

	while (done < len) {
		struct memslot *s = memslots_find(ms, gpa + done);
		uint64_t off, n;

		/* a slot that lost its file is a hole */
		if (!s || gpa + done < gpa || memslot_lost(s))
			break;
		off = gpa + done - s->gpa;
		n = s->size - off;
		if (n > len - done)
			n = len - done;
		if (write)
			memcpy(s->host + off, (const uint8_t *)buf + done, n);
		else
			memcpy((uint8_t *)buf + done, s->host + off, n);
		if (memslot_lost(s))	/* the copy met the truncation: it moved nothing real */
			break;
		done += n;
	}
	return done;
}

size_t memslots_read(const struct memslots *ms, uint64_t gpa, void *dst, size_t len)
{
	return copy(ms, gpa, dst, len, 0);
}

size_t memslots_write(const struct memslots *ms, uint64_t gpa, const void *src, size_t len)
{
	return copy(ms, gpa, (void *)src, len, 1);
}

uint64_t memslots_extent(const struct memslots *ms)
{
	return ms->n ? ms->slot[ms->n - 1]->gpa + ms->slot[ms->n - 1]->size : 0;
}
