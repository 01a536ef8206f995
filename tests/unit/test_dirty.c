/*
 * The dirty log: memslot_mark_dirty sets one bit per page, and
 * vm_dirty_harvest renders the runs of set bits, clears them and asks the
 * arch to re-arm write tracking.  A VM without vcpus is enough: harvesting
 * only holds vcpus, and there are none to hold.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "vmm/text.h"
#include "vmm/vm.h"

#define K (1ull << 10)
#define M (1ull << 20)

static int rearmed[MEMSLOTS_MAX];

static void count_rearm(struct vm *vm, struct memslot *s)
{
	(void)vm;
	rearmed[s->id]++;
}

static const struct arch_ops tracking_arch = {
	.name = "dirty-test",
	.dirty_rearm = count_rearm,
};

static struct vm *bare_vm(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	vm->arch = &tracking_arch;
	pthread_mutex_init(&vm->ctl_lock, NULL);
	pthread_rwlock_init(&vm->slots_lock, NULL);
	return vm;
}

static struct memslot *add(struct vm *vm, uint32_t id, uint64_t gpa, uint64_t size, uint32_t flags)
{
	struct memslot_req rq = { .id = id, .gpa = gpa, .size = size, .has_gpa = true,
				  .has_flags = true, .flags = flags, .fd = -1 };
	char why[256];

	if (memslots_apply(&vm->slots, &rq, why, sizeof(why)))
		return NULL;
	return memslots_by_id(&vm->slots, id);
}

static const char *harvest(struct vm *vm)
{
	static struct buf out;

	buf_reset(&out);
	buf_put(&out, "", 0);
	vm_dirty_harvest(vm, &out);
	return out.p;
}

static int bit(const struct memslot *s, uint64_t pg)
{
	return (s->dirty[pg / 64] >> (pg % 64)) & 1;
}

static void bitmap(void)
{
	struct vm *vm = bare_vm();
	struct memslot *s = add(vm, 0, 1 * M, 65 * 4 * K, MEMSLOT_DIRTY_LOG);
	struct memslot *plain = add(vm, 1, 4 * M, 8 * K, 0);
	uint64_t set = 0;

	CHECK(s && s->dirty, "a dirty_log slot of 65 pages has a bitmap");
	CHECK_EQ(memslot_npages(s), 65, "memslot_npages counts 4K pages");
	CHECK_EQ(memslot_dirty_words(s), 2, "65 pages need 2 bitmap words");
	CHECK_EQ(memslot_dirty_words(plain), 1, "2 pages need 1 word");
	for (size_t w = 0; w < memslot_dirty_words(s); w++)
		set |= s->dirty[w];
	CHECK_EQ(set, 0, "a new bitmap is clear");

	memslot_mark_dirty(s, 1 * M);
	memslot_mark_dirty(s, 1 * M + 4 * K - 1);
	CHECK(bit(s, 0) && !bit(s, 1), "both ends of page 0 mark page 0 only");
	memslot_mark_dirty(s, 1 * M + 63 * 4 * K + 17);
	memslot_mark_dirty(s, 1 * M + 64 * 4 * K);
	CHECK(bit(s, 63) && bit(s, 64), "pages 63 and 64 sit in different words");
	CHECK_EQ(s->dirty[0], (1ull << 63) | 1, "word 0 holds exactly pages 0 and 63");
	CHECK_EQ(s->dirty[1], 1, "word 1 holds exactly page 64");

	memslot_mark_dirty(plain, 4 * M);
	CHECK(plain->dirty == NULL, "marking a slot without dirty_log does nothing");
	memslots_free(&vm->slots);
	free(vm);
}

static void harvesting(void)
{
	struct vm *vm = bare_vm();
	struct memslot *a = add(vm, 0, 0, 1 * M, MEMSLOT_DIRTY_LOG);
	struct memslot *b = add(vm, 3, 0x40000000, 512 * K, MEMSLOT_DIRTY_LOG);
	struct memslot *plain = add(vm, 1, 2 * M, 64 * K, 0);

	(void)plain;
	CHECK_STR(harvest(vm), "", "nothing written: the dirty log is empty");
	CHECK_EQ(rearmed[0], 1, "harvesting re-arms each dirty_log slot");
	CHECK_EQ(rearmed[1], 0, "and not the others");

	memslot_mark_dirty(a, 0x3f000);
	memslot_mark_dirty(a, 0x40000);
	memslot_mark_dirty(a, 0x41fff);
	memslot_mark_dirty(a, 0xfd000);
	memslot_mark_dirty(a, 0xfe800);
	memslot_mark_dirty(a, 0xfffff);
	memslot_mark_dirty(b, 0x40000000 + 5 * 4 * K);
	CHECK_STR(harvest(vm),
		  "slot=0 gfn=0x3f gpa=0x3f000 pages=3\n"
		  "slot=0 gfn=0xfd gpa=0xfd000 pages=3\n"
		  "slot=3 gfn=0x40005 gpa=0x40005000 pages=1\n",
		  "written pages come out as runs, per slot in gpa order, across word boundaries");
	CHECK_EQ(rearmed[0], 2, "slot 0 re-armed again");
	CHECK_EQ(rearmed[3], 2, "slot 3 re-armed again");
	CHECK_EQ(a->dirty[0] | a->dirty[1] | a->dirty[2] | a->dirty[3], 0, "harvesting clears the bitmap");
	CHECK_STR(harvest(vm), "", "a second harvest without writes is empty");

	memslot_mark_dirty(a, 0x5000);
	memslot_mark_dirty(b, 0x40000000 + 512 * K - 1);
	CHECK_STR(harvest(vm),
		  "slot=0 gfn=0x5 gpa=0x5000 pages=1\n"
		  "slot=3 gfn=0x4007f gpa=0x4007f000 pages=1\n",
		  "only the new writes show, including a slot's last page");

	for (uint64_t g = 0; g < 1 * M; g += 4 * K)
		memslot_mark_dirty(a, g);
	CHECK_STR(harvest(vm), "slot=0 gfn=0x0 gpa=0x0 pages=256\n", "a fully written slot is one run");
	memslots_free(&vm->slots);
	free(vm);
}

int main(void)
{
	bitmap();
	harvesting();
	return check_done();
}
