/*
 * Fuzz the image loaders: arbitrary bytes handed to `load` as a user's
 * image, the x86 multiboot loader (ELF32, ELF64, the a.out kludge) and the
 * 440's ELF loader with the device tree it builds from the command line.
 * The image reaches the loader as it does through ctl: an open file (a
 * memfd here) and the rest of the `load PATH ...` line split into
 * arguments.  A refused image is fine; a crash, a sanitizer report, a hang
 * or a refused image that changed the VM is not.
 *
 * Input: a config byte, the text of the load line after the path (cmdline=
 * and pv= as a user writes them) up to a NUL byte, then the image.
 *
 *   bit 0     the architecture (FUZZ_ARCH=x86 or ppc440 keeps to one)
 *   bits 1-2  the memory layout (layouts[] below): one 16 MiB slot; RAM
 *             with holes, a read-only slot and slots on both sides of
 *             4 GiB; nine small slots; 16 MiB plus RAM at the 440's
 *             device tree address
 *   bit 3     run the loaded guest for at most STEPS instructions
 *   bit 4     two vcpus (a load resets the others)
 *   bit 5     load the same image a second time, over the first
 *
 * Each input gets a new VM whose RAM is all zero, so a first load that
 * fails must leave it all zero and the registers as they were: a loader
 * must check everything before it writes anything.  FUZZ_DEBUG=1 prints
 * the VM's log (the loader's reason for a refusal) after each input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fs/files.h"
#include "tests/fuzz/fuzz_arch.h"

#define STEPS 4000
#define TEXT_MAX 2048		/* the load line after the path */

struct slot {
	uint64_t gpa, size;
	uint32_t flags;
};

/* Slot 0 first; a zero size ends a layout. */
static const struct slot layouts[4][10] = {
	{ { 0, 16 << 20, 0 } },
	/* holes at 1-2 MiB and above 16 MiB + 64 KiB; RAM up to and past 4 GiB */
	{ { 0, 1 << 20, 0 }, { 2 << 20, 14 << 20, 0 }, { 16 << 20, 64 << 10, MEMSLOT_READONLY },
	  { 0xfffe0000, 128 << 10, 0 }, { 0x100000000ull, 64 << 10, 0 } },
	/* more slots than a short list of device tree cells holds */
	{ { 0, 256 << 10, 0 }, { 512 << 10, 256 << 10, 0 }, { 1 << 20, 256 << 10, 0 },
	  { 3 << 19, 256 << 10, 0 }, { 2 << 20, 256 << 10, 0 }, { 5 << 19, 256 << 10, 0 },
	  { 3 << 20, 256 << 10, 0 }, { 7 << 19, 256 << 10, 0 }, { 0x1800000, 64 << 10, 0 } },
	/* the 440's device tree goes to 24 MiB when there is RAM there */
	{ { 0, 16 << 20, 0 }, { 0x1800000, 1 << 20, 0 } },
};

static bool debug;

static void add_slots(struct vm *vm, const struct slot *l)
{
	for (uint32_t i = 0; i < 10 && l[i].size; i++) {
		struct memslot_req rq = { .id = i, .gpa = l[i].gpa, .size = l[i].size, .flags = l[i].flags,
					  .has_gpa = true, .has_flags = true, .fd = -1 };

		if (vm_set_memslot(vm, &rq))
			abort();	/* the layout itself is wrong */
	}
}

static bool ram_zero(struct vm *vm)
{
	static const uint8_t zero[4096];

	for (int i = 0; i < vm->slots.n; i++) {
		const struct memslot *s = vm->slots.slot[i];

		for (uint64_t off = 0; off < s->size; off += sizeof(zero))
			if (memcmp(s->host + off, zero, sizeof(zero)))
				return false;
	}
	return true;
}

/*
 * The vcpu's state files, less what moves on with time by itself: the
 * clocks, and the 440's timer status (its FIT and watchdog set TSR bits
 * whatever TCR says).
 */
static void render_state(struct vcpu *v, struct buf *b)
{
	static const char *const clocks[] = { "tsc=", "tbl=", "tbu=", "dec=", "tsr=", "decrementer=", "fit=",
					      "watchdog=", "deliverable=" };
	struct buf all;
	size_t at = 0;

	buf_init(&all);
	for (unsigned i = 0; v->vm->arch->state_files[i]; i++)
		state_render(v, v->vm->arch->state_files[i], &all);
	buf_reset(b);
	while (at < all.len) {
		size_t n = 0;
		bool clock = false;

		while (at + n < all.len && all.p[at + n] != ' ' && all.p[at + n] != '\n')
			n++;
		for (unsigned k = 0; k < sizeof(clocks) / sizeof(clocks[0]); k++)
			clock |= n > strlen(clocks[k]) && !memcmp(all.p + at, clocks[k], strlen(clocks[k]));
		if (!clock)
			buf_put(b, all.p + at, n + (at + n < all.len));
		at += n + 1;
	}
	buf_free(&all);
}

/* What `load PATH text` on ctl does once the file is open. */
static int load(struct vm *vm, int fd, const char *text)
{
	static char line[TEXT_MAX + 16];
	struct kvlist kv, args;

	snprintf(line, sizeof(line), "load /image %s", text);
	if (kv_split_rest(line, &kv, "cmdline") || kv.n < 2)
		return -E2BIG;
	args.n = kv.n - 2;
	memcpy(args.kv, kv.kv + 2, args.n * sizeof(args.kv[0]));
	return vm_load(vm, fd, kv.kv[1].key, &args);
}

/* A bounded run; a guest waiting for an interrupt is stopped after 20 ms. */
static void run(struct vcpu *v)
{
	char why[256];
	uint64_t seq;

	if (vcpu_run_begin(v, MODE_STEP, STEPS, &seq, why, sizeof(why)))
		return;
	if (vcpu_run_wait(v, seq, 20) == -ETIMEDOUT) {
		vcpu_stop(v);
		while (vcpu_run_wait(v, seq, 1000) == -ETIMEDOUT)
			;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[TEXT_MAX + 1];
	char opts_text[64], why[256];
	struct kvlist opts;
	struct buf before, after;
	struct vm *vm;
	size_t tlen = 0;
	uint8_t cfg;
	int fd, r;

	if (!narch_ok) {
		pick_arches();
		debug = getenv("FUZZ_DEBUG") != NULL;
	}
	if (size < 1 || size > (1 << 20))
		return 0;
	cfg = data[0];
	while (1 + tlen < size && data[1 + tlen] && tlen < TEXT_MAX)
		tlen++;
	/* text as a write brings it; the byte after it (a NUL, or not) is skipped */
	if (text_from_write((const char *)data + 1, tlen, text, sizeof(text)))
		return 0;
	data += 1 + tlen + (1 + tlen < size);
	size -= 1 + tlen + (1 + tlen < size);

	fd = memfd_create("image", MFD_CLOEXEC);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	snprintf(opts_text, sizeof(opts_text), "arch=%s cpus=%d", arches[arch_ok[cfg % narch_ok]],
		 cfg & 0x10 ? 2 : 1);
	kv_split(opts_text, &opts);
	if (vm_create("l", 0, 0, &opts, &vm, why, sizeof(why)))
		abort();
	add_slots(vm, layouts[cfg >> 1 & 3]);
	buf_init(&before);
	buf_init(&after);
	render_state(vm->vcpu[0], &before);
	r = load(vm, fd, text);
	if (r) {
		/* a refused image leaves the VM as it was */
		render_state(vm->vcpu[0], &after);
		if (!ram_zero(vm) || vm->loaded || before.len != after.len || memcmp(before.p, after.p, before.len)) {
			fprintf(stderr, "a refused load (%s) changed the VM; state before and after:\n%.*s\n%.*s\n",
				strerror(-r), (int)before.len, before.p, (int)after.len, after.p);
			abort();
		}
	} else {
		if (cfg & 8)
			run(vm->vcpu[0]);
		if (cfg & 0x20) {
			load(vm, fd, text);
			if (cfg & 8)
				run(vm->vcpu[0]);
		}
	}
	if (debug) {
		struct buf b;

		buf_init(&b);
		textlog_render(&vm->log, &b);
		fprintf(stderr, "%.*s", (int)b.len, b.p);
		buf_free(&b);
	}
	buf_free(&before);
	buf_free(&after);
	close(fd);
	vm_destroy(vm);
	vm_put(vm);
	return 0;
}
