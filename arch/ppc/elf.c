/*
 * `load PATH [pv=on|off] [cmdline=...]` (the command line is the rest of the
 * write, spaces and all): a big-endian ELF32 PowerPC image, entered as
 * QEMU's bamboo enters a -kernel image: PT_LOAD segments at p_paddr, the
 * entry converted to physical when the text segment's addresses differ,
 * MSR = 0, r1 = 16 MiB - 8, r3 = the device tree (at 0x1800000), TLB
 * entry 0 mapping 0-256 MiB (and entry 1 the I/O region with the UART).
 * Everything is checked before guest memory is touched.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ppc.h"
#include "vmm/text.h"

/* Linux's COMMAND_LINE_SIZE on powerpc in 6.1 (asm-generic/setup.h), with its NUL */
#define CMDLINE_MAX 512u
#define DTB_GPA 0x1800000u
#define BOOT_R1 ((16u << 20) - 8)

static uint32_t b32(uint32_t x) { return __builtin_bswap32(x); }
static uint16_t b16(uint16_t x) { return __builtin_bswap16(x); }

/* Program header i, copied out: e_phoff need not be aligned. */
static Elf32_Phdr phdr(const uint8_t *img, uint32_t phoff, int i)
{
	Elf32_Phdr ph;

	memcpy(&ph, img + phoff + (size_t)i * sizeof(ph), sizeof(ph));
	return ph;
}

/* [gpa, gpa+len) lies in RAM (possibly over several adjacent slots). */
static bool in_ram(struct vm *vm, uint64_t gpa, uint64_t len)
{
	while (len) {
		struct memslot *s = memslots_find(&vm->slots, gpa);
		uint64_t n;

		if (!s)
			return false;
		n = s->gpa + s->size - gpa;
		if (n >= len)
			return true;
		gpa += n;
		len -= n;
	}
	return true;
}

/* Where the device tree goes: QEMU's address, or as high as the first slot allows. */
static int dtb_place(struct vm *vm, size_t len, uint64_t *gpa, char *why, size_t whylen)
{
	struct memslot *s = memslots_find(&vm->slots, 0);
	uint64_t top;

	if (in_ram(vm, DTB_GPA, len)) {
		*gpa = DTB_GPA;
		return 0;
	}
	if (!s || s->size < 2 * len + 0x10000) {
		snprintf(why, whylen, "no RAM at address 0 for the device tree");
		return -EINVAL;
	}
	top = s->gpa + s->size < (256u << 20) ? s->gpa + s->size : 256u << 20;
	*gpa = (top - len - 0x10000) & ~0xffffull;
	return 0;
}

/* The entry state, on vcpu 0, as QEMU's bamboo main_cpu_reset. */
void ppc_boot_cpu(struct vm *vm)
{
	struct ppc_vm *p = PPCVM(vm);
	struct ppc *c = PPC(vm->vcpu[0]);
	struct gtlbe ram = {
		.w0 = 0x00000000u | TLB0_V | (9 << 4),
		.w1 = 0x00000000u,
		.w2 = TLB2_SX | TLB2_SW | TLB2_SR,
	};
	struct gtlbe io = {
		.w0 = 0xe0000000u | TLB0_V | (9 << 4),
		.w1 = 0xe0000000u,
		.w2 = TLB2_SX | TLB2_SW | TLB2_SR | TLB2_I | TLB2_G,
	};

	ppc_reset(c);
	c->gtlb[0].w0 = 0;	/* the reset-vector entry does not survive a -kernel boot */
	tlb_set_entry(c, 0, &ram);
	tlb_set_entry(c, 1, &io);
	c->pc = p->boot.entry;
	c->gpr[1] = BOOT_R1;
	c->gpr[3] = p->dtb_gpa;
	if (p->dtb)
		memslots_write(&vm->slots, p->dtb_gpa, p->dtb, p->dtb_len);
}

int ppc_load(struct vm *vm, const uint8_t *img, size_t len, struct kvlist *args,
	     char *why, size_t whylen)
{
	struct ppc_vm *p = PPCVM(vm);
	const char *cmdline = "";
	int pv = !p->pv_off;
	const Elf32_Ehdr *eh;
	uint32_t phoff;
	uint8_t zero[4096] = { 0 };
	size_t dlen;
	uint64_t dgpa;
	uint32_t entry;
	void *dtb = NULL;
	int r, nph;

	for (int i = 0; i < args->n; i++) {
		const char *k = args->kv[i].key, *v = args->kv[i].val;

		if (!strcmp(k, "cmdline") && v) {
			/* the rest of the line, as the writer typed it (kv_split_rest) */
			if (strlen(v) >= CMDLINE_MAX) {
				snprintf(why, whylen, "cmdline is %zu bytes, longer than ppc440's %u",
					 strlen(v), CMDLINE_MAX - 1);
				return -E2BIG;
			}
			cmdline = v;
		} else if (!strcmp(k, "pv") && v && (!strcmp(v, "on") || !strcmp(v, "off"))) {
			pv = !strcmp(v, "on");
		} else {
			snprintf(why, whylen, "%s: unknown load option; ppc440 takes cmdline=... pv=on|off", k);
			return -EINVAL;
		}
	}
	eh = (const Elf32_Ehdr *)img;
	r = -EINVAL;
	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS32 ||
	    eh->e_ident[EI_DATA] != ELFDATA2MSB || b16(eh->e_machine) != EM_PPC) {
		snprintf(why, whylen, "not a big-endian ELF32 PowerPC image");
		goto out;
	}
	nph = b16(eh->e_phnum);
	if (b16(eh->e_phentsize) != sizeof(Elf32_Phdr) ||
	    (uint64_t)b32(eh->e_phoff) + (uint64_t)nph * sizeof(Elf32_Phdr) > len) {
		snprintf(why, whylen, "program headers outside the file");
		goto out;
	}
	phoff = b32(eh->e_phoff);
	entry = b32(eh->e_entry);
	for (int i = 0; i < nph; i++) {
		Elf32_Phdr ph = phdr(img, phoff, i);
		uint32_t off = b32(ph.p_offset), fsz = b32(ph.p_filesz), msz = b32(ph.p_memsz);
		uint32_t pa = b32(ph.p_paddr), va = b32(ph.p_vaddr);

		if (b32(ph.p_type) != PT_LOAD || !msz)
			continue;
		if (fsz > msz || (uint64_t)off + fsz > len) {
			snprintf(why, whylen, "segment %d: file bytes outside the file", i);
			goto out;
		}
		if (!in_ram(vm, pa, msz)) {
			snprintf(why, whylen, "segment %d: 0x%x-0x%llx is not all RAM (see memslots)", i,
				 pa, (unsigned long long)pa + msz);
			goto out;
		}
		/* a virtual entry inside a text segment linked elsewhere: make it physical */
		if (va != pa && (b32(ph.p_flags) & PF_X) && entry >= va && entry - va < fsz)
			entry = entry - va + pa;
	}
	if ((r = ppc_fdt_build(vm, cmdline, pv, &dtb, &dlen, why, whylen)) ||
	    (r = dtb_place(vm, dlen, &dgpa, why, whylen)))
		goto out;
	/* the device tree is written at boot: a segment under it would be lost */
	for (int i = 0; i < nph; i++) {
		Elf32_Phdr ph = phdr(img, phoff, i);
		uint64_t pa = b32(ph.p_paddr), msz = b32(ph.p_memsz);

		if (b32(ph.p_type) == PT_LOAD && msz && pa < dgpa + dlen && dgpa < pa + msz) {
			r = -EINVAL;
			snprintf(why, whylen, "segment %d overlaps the device tree at 0x%llx", i,
				 (unsigned long long)dgpa);
			goto out;
		}
	}
	for (int i = 0; i < nph; i++) {
		Elf32_Phdr ph = phdr(img, phoff, i);
		uint32_t off = b32(ph.p_offset), fsz = b32(ph.p_filesz), msz = b32(ph.p_memsz);
		uint64_t pa = b32(ph.p_paddr);	/* 64 bits: a segment may end past 4 GiB, in RAM there */

		if (b32(ph.p_type) != PT_LOAD || !msz)
			continue;
		memslots_write(&vm->slots, pa, img + off, fsz);
		for (uint64_t z = fsz; z < msz; z += sizeof(zero))
			memslots_write(&vm->slots, pa + z, zero, msz - z < sizeof(zero) ? msz - z : sizeof(zero));
	}
	free(p->dtb);
	p->dtb = dtb;
	p->dtb_len = dlen;
	p->dtb_gpa = dgpa;
	dtb = NULL;
	p->pv_off = !pv;
	p->boot.valid = true;
	p->boot.entry = entry;
	for (int i = 1; i < vm->ncpus; i++)
		ppc_reset(PPC(vm->vcpu[i]));
	ppc_boot_cpu(vm);	/* resets vcpu 0, dropping decoded code of the old image */
	r = 0;
out:
	free(dtb);
	return r;
}
