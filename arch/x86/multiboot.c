/*
 * Multiboot v1 loader: ELF32/ELF64 images (or any image with the a.out
 * kludge) carrying a multiboot header in their first 8 KiB.  Segments go to
 * their physical addresses; the info structure (memory map from the
 * memslots, cmdline, loader name) goes to a free page below 1 MiB; vcpu 0
 * gets the entry state the specification requires.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpu.h"
#include "mmu.h"
#include "vmm/text.h"
#include "vmm/vm.h"

#define MB_MAGIC 0x1badb002u
#define MB_BOOT_MAGIC 0x2badb002u
#define MB_SEARCH 8192
#define MB_PAGE_ALIGN (1u << 0)
#define MB_MEMORY_INFO (1u << 1)
#define MB_AOUT_KLUDGE (1u << 16)
#define MB_SUPPORTED (MB_PAGE_ALIGN | MB_MEMORY_INFO)

#define MBI_MEM (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MMAP (1u << 6)
#define MBI_LOADER_NAME (1u << 9)

#define MAX_SEGS 32
#define INFO_SIZE 0x1000u
#define INFO_MMAP 0x100u
#define INFO_NAME 0x400u
#define INFO_CMDLINE 0x440u
/* Linux's COMMAND_LINE_SIZE on x86 (with its NUL), which the info page has room for */
#define CMDLINE_MAX 2048u
_Static_assert(INFO_CMDLINE + CMDLINE_MAX <= INFO_SIZE, "the command line fits the info page");

struct seg {
	uint64_t paddr, filesz, memsz, offset;
};

struct image {
	const uint8_t *data;
	size_t len;
	struct seg seg[MAX_SEGS];
	int nseg;
	uint64_t entry;
};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* The multiboot header's file offset, or -1. */
static long find_header(const struct image *im)
{
	for (size_t off = 0; off + 12 <= im->len && off < MB_SEARCH; off += 4)
		if (rd32(im->data + off) == MB_MAGIC &&
		    (uint32_t)(rd32(im->data + off) + rd32(im->data + off + 4) + rd32(im->data + off + 8)) == 0)
			return off;
	return -1;
}

static int add_seg(struct image *im, uint64_t paddr, uint64_t filesz, uint64_t memsz, uint64_t offset,
		   char *why, size_t whylen)
{
	if (im->nseg == MAX_SEGS) {
		snprintf(why, whylen, "more than %d loadable segments", MAX_SEGS);
		return -EINVAL;
	}
	if (offset > im->len || filesz > im->len - offset || filesz > memsz) {
		snprintf(why, whylen, "segment at file offset 0x%llx is larger than the file",
			 (unsigned long long)offset);
		return -EINVAL;
	}
	if (paddr + memsz < paddr || paddr + memsz > 0x100000000ull) {
		snprintf(why, whylen, "segment at 0x%llx (0x%llx bytes) is beyond 4 GiB",
			 (unsigned long long)paddr, (unsigned long long)memsz);
		return -EINVAL;
	}
	im->seg[im->nseg++] = (struct seg){ paddr, filesz, memsz, offset };
	return 0;
}

static int parse_aout(struct image *im, long hdr, char *why, size_t whylen)
{
	const uint8_t *h = im->data + hdr;
	uint32_t header_addr, load_addr, load_end, bss_end;
	uint64_t off, filesz, memsz;

	if ((size_t)hdr + 32 > im->len) {
		snprintf(why, whylen, "multiboot header truncated (a.out kludge needs 32 bytes)");
		return -EINVAL;
	}
	header_addr = rd32(h + 12);
	load_addr = rd32(h + 16);
	load_end = rd32(h + 20);
	bss_end = rd32(h + 24);
	im->entry = rd32(h + 28);
	if (header_addr < load_addr || header_addr - load_addr > (uint64_t)hdr) {
		snprintf(why, whylen, "multiboot header_addr 0x%x is below load_addr 0x%x or before the file", header_addr, load_addr);
		return -EINVAL;
	}
	off = hdr - (header_addr - load_addr);
	filesz = load_end ? (uint64_t)load_end - load_addr : im->len - off;
	if (load_end && load_end < load_addr) {
		snprintf(why, whylen, "multiboot load_end_addr 0x%x is below load_addr 0x%x", load_end, load_addr);
		return -EINVAL;
	}
	memsz = bss_end > load_addr + filesz ? bss_end - load_addr : filesz;
	return add_seg(im, load_addr, filesz, memsz, off, why, whylen);
}

static int parse_elf(struct image *im, char *why, size_t whylen)
{
	const uint8_t *d = im->data;
	int r;

	if (im->len < EI_NIDENT || memcmp(d, ELFMAG, SELFMAG)) {
		snprintf(why, whylen, "not an ELF file (and no a.out kludge in the multiboot header)");
		return -EINVAL;
	}
	if (d[EI_DATA] != ELFDATA2LSB) {
		snprintf(why, whylen, "ELF file is not little-endian");
		return -EINVAL;
	}
	if (d[EI_CLASS] == ELFCLASS32) {
		Elf32_Ehdr eh;

		if (im->len < sizeof(eh))
			goto short_file;
		memcpy(&eh, d, sizeof(eh));
		if (eh.e_machine != EM_386) {
			snprintf(why, whylen, "ELF32 machine %u is not i386", eh.e_machine);
			return -EINVAL;
		}
		im->entry = eh.e_entry;
		for (unsigned k = 0; k < eh.e_phnum; k++) {
			Elf32_Phdr ph;
			uint64_t at = eh.e_phoff + (uint64_t)k * eh.e_phentsize;

			if (eh.e_phentsize < sizeof(ph) || at + sizeof(ph) > im->len)
				goto short_file;
			memcpy(&ph, d + at, sizeof(ph));
			if (ph.p_type == PT_LOAD && ph.p_memsz &&
			    (r = add_seg(im, ph.p_paddr, ph.p_filesz, ph.p_memsz, ph.p_offset, why, whylen)))
				return r;
		}
	} else if (d[EI_CLASS] == ELFCLASS64) {
		Elf64_Ehdr eh;

		if (im->len < sizeof(eh))
			goto short_file;
		memcpy(&eh, d, sizeof(eh));
		if (eh.e_machine != EM_X86_64 && eh.e_machine != EM_386) {
			snprintf(why, whylen, "ELF64 machine %u is not x86-64", eh.e_machine);
			return -EINVAL;
		}
		im->entry = eh.e_entry;
		for (unsigned k = 0; k < eh.e_phnum; k++) {
			Elf64_Phdr ph;
			uint64_t at = (uint64_t)k * eh.e_phentsize;

			/* e_phoff is 64 bits: a sum with it could wrap below the end of the file */
			if (eh.e_phentsize < sizeof(ph) || eh.e_phoff > im->len || at > im->len - eh.e_phoff ||
			    sizeof(ph) > im->len - eh.e_phoff - at)
				goto short_file;
			at += eh.e_phoff;
			memcpy(&ph, d + at, sizeof(ph));
			if (ph.p_type == PT_LOAD && ph.p_memsz &&
			    (r = add_seg(im, ph.p_paddr, ph.p_filesz, ph.p_memsz, ph.p_offset, why, whylen)))
				return r;
		}
	} else {
		snprintf(why, whylen, "unknown ELF class %u", d[EI_CLASS]);
		return -EINVAL;
	}
	if (!im->nseg) {
		snprintf(why, whylen, "the ELF file has no loadable segments");
		return -EINVAL;
	}
	if (im->entry > 0xffffffffull) {
		snprintf(why, whylen, "entry point 0x%llx is above 4 GiB: multiboot enters in 32-bit mode",
			 (unsigned long long)im->entry);
		return -EINVAL;
	}
	return 0;
short_file:
	snprintf(why, whylen, "ELF headers run past the end of the file");
	return -EINVAL;
}

/* [gpa, gpa+len) lies in writable RAM. */
static int is_ram(struct vm *vm, uint64_t gpa, uint64_t len)
{
	while (len) {
		struct memslot *s = memslots_find(&vm->slots, gpa);
		uint64_t n;

		if (!s || (s->flags & MEMSLOT_READONLY))
			return 0;
		n = s->gpa + s->size - gpa;
		if (n >= len)
			return 1;
		gpa += n;
		len -= n;
	}
	return 1;
}

/* Every segment first: a refused image must leave guest memory as it was. */
static int check_segments(struct vm *vm, const struct image *im, char *why, size_t whylen)
{
	for (int k = 0; k < im->nseg; k++) {
		const struct seg *s = &im->seg[k];

		if (!is_ram(vm, s->paddr, s->memsz)) {
			snprintf(why, whylen, "segment at 0x%llx (0x%llx bytes) does not fit in RAM: "
				 "add a memslot that covers it", (unsigned long long)s->paddr,
				 (unsigned long long)s->memsz);
			return -ENOMEM;
		}
	}
	return 0;
}

static int copy_segments(struct vm *vm, const struct image *im, char *why, size_t whylen)
{
	static const uint8_t zero[4096];

	for (int k = 0; k < im->nseg; k++) {
		const struct seg *s = &im->seg[k];

		if (memslots_write(&vm->slots, s->paddr, im->data + s->offset, s->filesz) != s->filesz)
			goto fault;
		for (uint64_t z = s->filesz; z < s->memsz; z += sizeof(zero)) {
			uint64_t n = s->memsz - z < sizeof(zero) ? s->memsz - z : sizeof(zero);

			if (memslots_write(&vm->slots, s->paddr + z, zero, n) != n)
				goto fault;
		}
	}
	return 0;
fault:
	snprintf(why, whylen, "writing the image into guest memory failed");
	return -EFAULT;
}

static int overlaps_image(const struct image *im, uint64_t a, uint64_t len)
{
	for (int k = 0; k < im->nseg; k++)
		if (a < im->seg[k].paddr + im->seg[k].memsz && im->seg[k].paddr < a + len)
			return 1;
	return 0;
}

/* Conventionally below 1 MiB; above the image when that is taken. */
static int place_info(struct vm *vm, const struct image *im, uint64_t *at)
{
	uint64_t cand[2] = { 0x9000, 0 };

	for (int k = 0; k < im->nseg; k++) {
		uint64_t end = (im->seg[k].paddr + im->seg[k].memsz + PAGE_SIZE - 1) & PAGE_MASK;

		if (end > cand[1])
			cand[1] = end;
	}
	for (int k = 0; k < 2; k++)
		if (is_ram(vm, cand[k], INFO_SIZE) && !overlaps_image(im, cand[k], INFO_SIZE)) {
			*at = cand[k];
			return 0;
		}
	return -1;
}

/* KiB of RAM contiguous from `from` (stopping at `limit`). */
static uint32_t ram_kib(struct vm *vm, uint64_t from, uint64_t limit)
{
	uint64_t a = from;

	for (;;) {
		struct memslot *s = memslots_find(&vm->slots, a);

		if (!s || (s->flags & MEMSLOT_READONLY) || a >= limit)
			break;
		a = s->gpa + s->size;
	}
	if (a > limit)
		a = limit;
	return (a - from) >> 10;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static int write_info(struct vm *vm, uint64_t at, const char *cmdline)
{
	uint8_t info[INFO_SIZE];
	uint32_t flags = MBI_MEM | MBI_MMAP | MBI_LOADER_NAME, mmap_len = 0;

	memset(info, 0, sizeof(info));
	put32(info + 4, ram_kib(vm, 0, 0xa0000));
	put32(info + 8, ram_kib(vm, 0x100000, 0x100000000ull));
	for (int k = 0; k < vm->slots.n && INFO_MMAP + mmap_len + 24 <= INFO_NAME; k++) {
		const struct memslot *s = vm->slots.slot[k];
		uint8_t *e = info + INFO_MMAP + mmap_len;

		put32(e, 20);
		memcpy(e + 4, &s->gpa, 8);
		memcpy(e + 12, &s->size, 8);
		put32(e + 20, s->flags & MEMSLOT_READONLY ? 2 : 1);
		mmap_len += 24;
	}
	put32(info + 44, mmap_len);
	put32(info + 48, at + INFO_MMAP);
	strcpy((char *)info + INFO_NAME, "vmmfs");
	put32(info + 64, at + INFO_NAME);
	if (cmdline) {
		snprintf((char *)info + INFO_CMDLINE, CMDLINE_MAX, "%s", cmdline);
		put32(info + 16, at + INFO_CMDLINE);
		flags |= MBI_CMDLINE;
	}
	put32(info, flags);
	return memslots_write(&vm->slots, at, info, sizeof(info)) == sizeof(info) ? 0 : -EFAULT;
}

/* Multiboot's machine state: flat 32-bit segments, PE on, paging and IF off. */
static void entry_state(struct vcpu *v, uint64_t entry, uint64_t info)
{
	struct x86_cpu *c = x86_of(v);

	x86_reset_state(c);
	seg_flat32(&c->s.seg[SEG_CS], 0x08, 1);
	for (int s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			seg_flat32(&c->s.seg[s], 0x10, 0);
	c->s.gpr[RAX] = MB_BOOT_MAGIC;
	c->s.gpr[RBX] = info;
	c->s.gpr[RDX] = 0;
	c->s.cr0 = CR0_PE | CR0_ET;
	c->s.rip = entry;
	c->s.rflags = 2;
	x86_mode_update(c);
	mmu_reset_context(c);
}

int multiboot_load(struct vm *vm, const uint8_t *img, size_t len, struct kvlist *args,
		   char *why, size_t whylen)
{
	struct image im = { .data = img, .len = len };
	const char *cmdline = NULL;
	uint64_t info;
	uint32_t flags;
	long hdr;
	int r;

	for (int k = 0; args && k < args->n; k++) {
		if (!strcmp(args->kv[k].key, "cmdline") && args->kv[k].val) {
			cmdline = args->kv[k].val;
			if (strlen(cmdline) >= CMDLINE_MAX) {
				snprintf(why, whylen, "cmdline is %zu bytes, longer than x86's %u",
					 strlen(cmdline), CMDLINE_MAX - 1);
				return -E2BIG;
			}
			continue;
		}
		snprintf(why, whylen, "unknown load argument '%s' for x86 (valid: cmdline=TEXT)", args->kv[k].key);
		return -EINVAL;
	}
	hdr = find_header(&im);
	if (hdr < 0) {
		snprintf(why, whylen, "no multiboot header (magic 0x1BADB002 with a valid checksum) "
			 "in the first 8 KiB: not a multiboot image");
		return -EINVAL;
	}
	flags = rd32(im.data + hdr + 4);
	if (flags & 0xffff & ~MB_SUPPORTED) {
		snprintf(why, whylen, "multiboot header flags 0x%x ask for features this loader lacks "
			 "(supported: page-aligned modules, memory info)", flags);
		r = -EINVAL;
		goto out;
	}
	r = flags & MB_AOUT_KLUDGE ? parse_aout(&im, hdr, why, whylen) : parse_elf(&im, why, whylen);
	if (r)
		goto out;
	if ((r = check_segments(vm, &im, why, whylen)))
		goto out;
	if (place_info(vm, &im, &info)) {
		snprintf(why, whylen, "no free RAM page for the multiboot info (tried 0x9000 and above the image)");
		r = -ENOMEM;
		goto out;
	}
	/* checked above: the writes below cannot fail half-way */
	if ((r = copy_segments(vm, &im, why, whylen)))
		goto out;
	if ((r = write_info(vm, info, cmdline))) {
		snprintf(why, whylen, "writing the multiboot info failed");
		goto out;
	}
	for (int n = 0; n < vm->ncpus; n++) {
		struct x86_cpu *c = x86_of(vm->vcpu[n]);

		blocks_flush(c);
		blocks_free_dead(c);
	}
	entry_state(vm->vcpu[0], im.entry, info);
out:
	return r;
}
