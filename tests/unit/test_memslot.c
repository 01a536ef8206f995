/* vmm/memslot.c: the slot table (KVM_SET_USER_MEMORY_REGION rules) and copies through it. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "vmm/memslot.h"

#define K (1ull << 10)
#define M (1ull << 20)

static char why[256];

static struct memslot_req req(uint32_t id, uint64_t gpa, uint64_t size)
{
	return (struct memslot_req){ .id = id, .gpa = gpa, .size = size, .has_gpa = true, .fd = -1 };
}

static int set(struct memslots *ms, struct memslot_req rq)
{
	why[0] = 0;
	return memslots_apply(ms, &rq, why, sizeof(why));
}

/* The table, as "id@gpa+size" in gpa order, to compare whole states at once. */
static const char *layout(const struct memslots *ms)
{
	static char s[2048];

	s[0] = 0;
	for (int i = 0; i < ms->n; i++)
		snprintf(s + strlen(s), sizeof(s) - strlen(s), "%s%u@0x%llx+0x%llx", i ? " " : "",
			 ms->slot[i]->id, (unsigned long long)ms->slot[i]->gpa,
			 (unsigned long long)ms->slot[i]->size);
	return s;
}

/* A refused request returns err, explains itself and changes nothing. */
static void refused(struct memslots *ms, struct memslot_req rq, int err, const char *what)
{
	char before[2048];

	snprintf(before, sizeof(before), "%s", layout(ms));
	CHECK_EQ(memslots_check(ms, &rq, why, sizeof(why)), err, "check refuses %s", what);
	CHECK_EQ(set(ms, rq), err, "apply refuses %s", what);
	CHECK(why[0] != 0, "the refusal of %s says why", what);
	CHECK_STR(layout(ms), before, "the refusal of %s changes nothing", what);
}

static void add_and_find(void)
{
	struct memslots ms = { 0 };
	struct memslot *s;

	CHECK_EQ(set(&ms, req(0, 0, 1 * M)), 0, "slot 0 at 0, 1M is added");
	CHECK_EQ(ms.n, 1, "one slot");
	s = memslots_find(&ms, 0);
	CHECK(s && s->id == 0 && s->host, "gpa 0 is in slot 0, which is mapped");
	CHECK(memslots_find(&ms, 1 * M - 1) == s, "the last byte is in slot 0");
	CHECK(memslots_find(&ms, 1 * M) == NULL, "the byte after the slot is a hole");
	CHECK(s->flags == 0 && s->dirty == NULL, "a new slot has no flags and no bitmap");
	CHECK_STR(s->backing, "anon", "a new slot is anonymous");
	CHECK(memslot_hva(s, 0, 1 * M) == s->host, "memslot_hva of the whole slot");
	CHECK(memslot_hva(s, 1 * M - 4, 4) == s->host + 1 * M - 4, "memslot_hva of the last 4 bytes");
	CHECK(memslot_hva(s, 1 * M - 4, 5) == NULL, "memslot_hva across the end is NULL");
	CHECK(memslot_hva(s, 1 * M, 1) == NULL, "memslot_hva past the end is NULL");

	CHECK_EQ(set(&ms, req(5, 4 * M, 64 * K)), 0, "slot 5 at 4M is added");
	CHECK_EQ(set(&ms, req(2, 2 * M, 4 * K)), 0, "slot 2 at 2M is added");
	CHECK_EQ(set(&ms, req(3, 1 * M, 4 * K)), 0, "slot 3 right after slot 0 is added");
	CHECK_STR(layout(&ms), "0@0x0+0x100000 3@0x100000+0x1000 2@0x200000+0x1000 5@0x400000+0x10000",
		  "slots are kept sorted by gpa");
	CHECK(memslots_find(&ms, 2 * M + 4 * K - 1)->id == 2, "find: last byte of slot 2");
	CHECK(memslots_find(&ms, 2 * M + 4 * K) == NULL, "find: hole after slot 2");
	CHECK(memslots_find(&ms, 4 * M + 100)->id == 5, "find: inside slot 5");
	CHECK(memslots_find(&ms, UINT64_MAX) == NULL, "find: the top of the address space is a hole");
	CHECK(memslots_by_id(&ms, 3) && memslots_by_id(&ms, 3)->gpa == 1 * M, "by_id finds slot 3");
	CHECK(memslots_by_id(&ms, 4) == NULL, "by_id: no slot 4");
	CHECK_EQ(memslots_extent(&ms), 4 * M + 64 * K, "extent is the end of the highest slot");
	memslots_free(&ms);
	CHECK_EQ(ms.n, 0, "memslots_free empties the table");
	CHECK_EQ(memslots_extent(&ms), 0, "an empty table has extent 0");
}

static void refusals(void)
{
	struct memslots ms = { 0 };
	struct memslot_req rq;

	set(&ms, req(0, 1 * M, 1 * M));
	refused(&ms, req(1, 1 * M + 512 * K, 1 * M), -EEXIST, "a slot overlapping the end of another");
	refused(&ms, req(1, 0, 1 * M + 4 * K), -EEXIST, "a slot overlapping the start of another");
	refused(&ms, req(1, 1 * M + 4 * K, 4 * K), -EEXIST, "a slot inside another");
	refused(&ms, req(1, 0, 4 * M), -EEXIST, "a slot around another");
	CHECK(strstr(why, "overlaps") != NULL, "an overlap says 'overlaps': %s", why);
	refused(&ms, req(1, 0x1800, 4 * K), -EINVAL, "an unaligned gpa");
	refused(&ms, req(1, 4 * M, 4 * K + 1), -EINVAL, "an unaligned size");
	refused(&ms, req(1, 4 * M, 100), -EINVAL, "a size below a page");
	refused(&ms, req(32, 4 * M, 4 * K), -ERANGE, "slot 32");
	refused(&ms, req(UINT32_MAX, 4 * M, 4 * K), -ERANGE, "slot 0xffffffff");
	refused(&ms, req(1, 0xfffffffffffff000ull, 8 * K), -ERANGE, "a slot wrapping around 2^64");
	refused(&ms, req(7, 0, 0), -ENOENT, "deleting a slot that does not exist");
	refused(&ms, req(0, 1 * M, 2 * M), -EINVAL, "resizing a slot in place");
	rq = req(1, 0, 4 * K);
	rq.has_gpa = false;
	refused(&ms, rq, -EINVAL, "a new slot without gpa");
	CHECK_EQ(set(&ms, req(1, 0, 1 * M)), 0, "a slot ending where another starts is fine");
	CHECK_EQ(set(&ms, req(2, 2 * M, 1 * M)), 0, "a slot starting where another ends is fine");
	/* as in KVM, gpa + size must not wrap, so no slot ends exactly at 2^64 */
	refused(&ms, req(3, 0xfffffffffffff000ull, 4 * K), -ERANGE, "a slot ending at 2^64");
	/* guest memory is also the `mem` file, whose offsets and size are off_t */
	refused(&ms, req(3, 0xffffffffffffe000ull, 4 * K), -ERANGE, "a slot above 2^63");
	refused(&ms, req(3, 0x7ffffffffffff000ull, 4 * K), -ERANGE, "a slot ending at 2^63");
	CHECK_EQ(set(&ms, req(3, 0x7fffffffffffe000ull, 4 * K)), 0, "a slot ending a page below 2^63 is fine");
	memslots_free(&ms);
}

static void limit(void)
{
	struct memslots ms = { 0 };
	int ok = 1;

	for (uint32_t i = 0; i < MEMSLOTS_MAX; i++)
		ok &= set(&ms, req(MEMSLOTS_MAX - 1 - i, i * 8 * K, 4 * K)) == 0;
	CHECK(ok && ms.n == MEMSLOTS_MAX, "%d slots can be added", MEMSLOTS_MAX);
	refused(&ms, req(MEMSLOTS_MAX, 1 * M, 4 * K), -ERANGE, "a slot beyond the last id");
	CHECK_EQ(set(&ms, req(0, 1 * M, 4 * K)), 0, "with all slots used, one can still move");
	CHECK_EQ(set(&ms, req(0, 0, 0)), 0, "and one can be deleted");
	CHECK_EQ(ms.n, MEMSLOTS_MAX - 1, "%d slots remain", MEMSLOTS_MAX - 1);
	CHECK_EQ(set(&ms, req(0, 2 * M, 4 * K)), 0, "its id can be used again");
	memslots_free(&ms);
}

static void move_and_delete(void)
{
	struct memslots ms = { 0 };
	struct memslot_req rq;
	uint8_t pat[8 * K], got[8 * K];

	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + 3);
	set(&ms, req(0, 0, 64 * K));
	set(&ms, req(1, 1 * M, 64 * K));
	CHECK_EQ(memslots_write(&ms, 1 * M + 4 * K, pat, sizeof(pat)), sizeof(pat), "pattern written to slot 1");
	CHECK_EQ(set(&ms, req(1, 128 * K, 64 * K)), 0, "slot 1 moves to 128K");
	CHECK_STR(layout(&ms), "0@0x0+0x10000 1@0x20000+0x10000", "the table shows the move");
	memset(got, 0, sizeof(got));
	CHECK_EQ(memslots_read(&ms, 128 * K + 4 * K, got, sizeof(got)), sizeof(got), "read at the new place");
	CHECK(!memcmp(got, pat, sizeof(pat)), "a moved slot keeps its contents");
	CHECK_EQ(memslots_read(&ms, 1 * M + 4 * K, got, 1), 0, "the old place is a hole");
	CHECK_EQ(set(&ms, req(1, 0, 0)), 0, "size=0 deletes slot 1");
	CHECK_STR(layout(&ms), "0@0x0+0x10000", "slot 1 is gone");
	CHECK_EQ(set(&ms, req(1, 128 * K, 64 * K)), 0, "slot 1 is added again");
	memset(got, 0xff, sizeof(got));
	memslots_read(&ms, 128 * K + 4 * K, got, sizeof(got));
	CHECK(got[0] == 0 && !memcmp(got, got + 1, sizeof(got) - 1), "a re-added slot is zeroed");

	set(&ms, req(2, 4 * M, 64 * K));
	CHECK_EQ(set(&ms, req(2, 64 * K, 64 * K)), 0, "slot 2 moves below slot 1");
	CHECK_STR(layout(&ms), "0@0x0+0x10000 2@0x10000+0x10000 1@0x20000+0x10000",
		  "a move keeps the table sorted");
	CHECK(memslots_find(&ms, 64 * K + 5)->id == 2, "find sees the moved slot");
	refused(&ms, req(2, 128 * K, 64 * K), -EEXIST, "moving onto another slot");

	rq = req(2, 0, 64 * K);
	rq.has_gpa = false;
	rq.has_flags = true;
	rq.flags = MEMSLOT_DIRTY_LOG;
	CHECK_EQ(memslots_apply(&ms, &rq, why, sizeof(why)), 0, "flags change without gpa");
	CHECK(memslots_by_id(&ms, 2)->gpa == 64 * K, "a flags change keeps the gpa");
	CHECK(memslots_by_id(&ms, 2)->dirty != NULL, "dirty_log gives the slot a bitmap");
	CHECK_EQ(memslots_by_id(&ms, 2)->flags, MEMSLOT_DIRTY_LOG, "flags read back dirty_log");
	rq.flags = MEMSLOT_DIRTY_LOG | MEMSLOT_READONLY;
	CHECK_EQ(memslots_apply(&ms, &rq, why, sizeof(why)), 0, "flags dirty_log,readonly");
	CHECK_EQ(memslots_by_id(&ms, 2)->flags, MEMSLOT_DIRTY_LOG | MEMSLOT_READONLY, "both flags set");
	rq.flags = 0;
	CHECK_EQ(memslots_apply(&ms, &rq, why, sizeof(why)), 0, "flags none");
	CHECK(memslots_by_id(&ms, 2)->dirty == NULL && memslots_by_id(&ms, 2)->flags == 0,
	      "clearing dirty_log drops the bitmap");
	rq = req(3, 8 * M, 64 * K);
	rq.has_flags = true;
	rq.flags = MEMSLOT_DIRTY_LOG;
	CHECK_EQ(memslots_apply(&ms, &rq, why, sizeof(why)), 0, "a new slot with dirty_log");
	CHECK(memslots_by_id(&ms, 3)->dirty != NULL, "a new dirty_log slot has a bitmap");
	memslots_free(&ms);
}

static void copies(void)
{
	struct memslots ms = { 0 };
	static uint8_t src[64 * K], dst[64 * K];

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i ^ (i >> 8));
	set(&ms, req(0, 0, 64 * K));
	set(&ms, req(1, 64 * K, 64 * K));	/* adjacent to slot 0 */
	set(&ms, req(2, 256 * K, 16 * K));	/* after a hole of 128K */

	CHECK_EQ(memslots_write(&ms, 60 * K, src, 8 * K), 8 * K, "a write across two adjacent slots is whole");
	CHECK_EQ(memslots_read(&ms, 60 * K, dst, 8 * K), 8 * K, "a read across two adjacent slots is whole");
	CHECK(!memcmp(src, dst, 8 * K), "the bytes cross the slot boundary intact");
	CHECK(!memcmp(memslots_by_id(&ms, 1)->host, src + 4 * K, 4 * K), "the second half is in slot 1");

	CHECK_EQ(memslots_write(&ms, 120 * K, src, 16 * K), 8 * K, "a write into a hole stops at the hole");
	CHECK_EQ(memslots_read(&ms, 120 * K, dst, 16 * K), 8 * K, "a read into a hole stops at the hole");
	CHECK_EQ(memslots_read(&ms, 128 * K, dst, 4 * K), 0, "a read starting in a hole moves nothing");
	CHECK_EQ(memslots_write(&ms, 200 * K, src, 64 * K), 0, "a write starting in a hole moves nothing");
	CHECK_EQ(memslots_read(&ms, 256 * K + 12 * K, dst, 64 * K), 4 * K, "a read past the last slot is short");
	CHECK_EQ(memslots_read(&ms, 1ull << 40, dst, 1), 0, "a read far above every slot moves nothing");
	CHECK_EQ(memslots_read(&ms, 0, dst, 0), 0, "a zero-length read moves nothing");
	CHECK_EQ(memslots_write(&ms, 256 * K, src, 16 * K), 16 * K, "a write filling a slot exactly");
	CHECK(!memcmp(memslots_by_id(&ms, 2)->host, src, 16 * K), "lands in that slot");
	CHECK_EQ(memslots_extent(&ms), 272 * K, "extent is the end of slot 2");

	memslots_free(&ms);
	set(&ms, req(0, 0x7fffffffffffe000ull, 4 * K));
	CHECK_EQ(memslots_write(&ms, 0x7fffffffffffe000ull, src, 16 * K), 4 * K,
		 "a write at the top of the slots' space stops at the slot's end");
	CHECK_EQ(memslots_read(&ms, 0x7fffffffffffef00ull, dst, 1 * K), 256,
		 "a read at the top of the slots' space stops at the slot's end");
	CHECK_EQ(memslots_read(&ms, 0xfffffffffffffff0ull, dst, 1 * K), 0,
		 "a read in the last page of the address space moves nothing");
	memslots_free(&ms);
}

static void file_backed(void)
{
	struct memslots ms = { 0 };
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char path[4096];
	uint8_t b[16];
	struct memslot_req rq;
	int fd;

	snprintf(path, sizeof(path), "%s/vmmfs-test-slot-XXXXXX", tmp);
	fd = mkstemp(path);

	CHECK(fd >= 0 && ftruncate(fd, 64 * K) == 0, "a 64K backing file");
	unlink(path);
	rq = req(0, 0, 64 * K);
	rq.fd = fd;
	snprintf(rq.backing, sizeof(rq.backing), "guest.ram");
	CHECK_EQ(set(&ms, rq), 0, "a file-backed slot is added");
	CHECK_STR(memslots_by_id(&ms, 0)->backing, "guest.ram", "it remembers its path");
	CHECK(memslots_by_id(&ms, 0)->fd >= 0 && memslots_by_id(&ms, 0)->fd != fd, "it keeps its own fd");
	memslots_write(&ms, 0x1234, "through the slot", 16);
	CHECK(pread(fd, b, 16, 0x1234) == 16 && !memcmp(b, "through the slot", 16),
	      "writes through a shared file slot reach the file");
	CHECK(pwrite(fd, "into the file...", 16, 0x100) == 16, "write to the backing file");
	memslots_read(&ms, 0x100, b, 16);
	CHECK(!memcmp(b, "into the file...", 16), "writes to the file show in the slot");

	rq = req(0, 0, 64 * K);
	rq.fd = fd;
	refused(&ms, rq, -EINVAL, "changing an existing slot's backing");
	rq = req(1, 1 * M, 128 * K);
	rq.fd = fd;
	refused(&ms, rq, -EINVAL, "a file smaller than the slot");
	rq.fd = open("/dev/null", O_RDWR);
	rq.size = 4 * K;
	refused(&ms, rq, -EINVAL, "a backing that is not a regular file");
	close(rq.fd);

	rq = req(1, 1 * M, 64 * K);
	rq.fd = fd;
	rq.has_flags = true;
	rq.flags = MEMSLOT_READONLY;
	CHECK_EQ(set(&ms, rq), 0, "a readonly slot of the same file");
	memslots_write(&ms, 1 * M + 0x100, "private copy....", 16);
	CHECK(pread(fd, b, 16, 0x100) == 16 && !memcmp(b, "into the file...", 16),
	      "a readonly slot maps its file privately: the file does not change");
	memslots_free(&ms);
	close(fd);
}

int main(void)
{
	add_and_find();
	refusals();
	limit();
	move_and_delete();
	copies();
	file_backed();
	return check_done();
}
