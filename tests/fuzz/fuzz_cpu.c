/*
 * Fuzz the interpreters: random code and register values in a small VM of
 * either architecture, at most STEPS instructions a run.  Any exit is fine;
 * a crash, a sanitizer report or a hang is not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/text.h"
#include "vmm/vm.h"

#define STEPS 4000
#define CODE_AT 0x1000

static struct vm *fix[2];
static int nfix;

static void make_fixture(void)
{
	const char *const arches[] = { "x86", "ppc440" };

	for (unsigned i = 0; i < 2; i++) {
		char opts_text[64], name[16], why[256];
		struct kvlist opts;

		if (!arch_find(arches[i]))
			continue;
		snprintf(opts_text, sizeof(opts_text), "arch=%s mem=1M", arches[i]);
		snprintf(name, sizeof(name), "c%u", i);
		kv_split(opts_text, &opts);
		if (vm_create(name, 0, 0, &opts, &fix[nfix], why, sizeof(why)) == 0)
			nfix++;
	}
	if (!nfix)
		abort();
}

/* Registers from the input; the program counter at the code, x86 segments flat at 0. */
static void set_regs(struct vcpu *v, const uint8_t *seed, size_t n)
{
	const struct state_desc *d = v->vm->arch->state_files[0];
	uint64_t written[(d->nfields + 63) / 64];
	uint8_t st[d->size];
	char why[256];

	memset(st, 0, sizeof(st));
	vcpu_hold(v);
	d->get(v, st);
	memset(written, 0, sizeof(written));
	for (unsigned i = 0; i < d->nfields; i++) {
		const struct reg_desc *f = &d->fields[i];
		uint64_t val = 0;

		if (f->flags & REG_RO)
			continue;
		if (!strcmp(f->name, "pc") || !strcmp(f->name, "rip"))
			val = CODE_AT;
		else if (!strcmp(f->name, "rflags"))
			val = 2;
		else if (n >= (i + 1) * 4)
			memcpy(&val, seed + i * 4, 4);
		memcpy(st + f->offset, &val, f->width);
		written[i / 64] |= 1ull << (i % 64);
	}
	d->set(v, st, written, why, sizeof(why));
	vcpu_release(v);
}

static void flat_x86(struct vcpu *v)
{
	const struct state_desc *const *sf = v->vm->arch->state_files;

	for (int i = 1; sf[i]; i++) {
		const struct state_desc *d = sf[i];
		uint64_t written[(d->nfields + 63) / 64];
		uint8_t st[d->size];
		char why[256];

		if (strcmp(d->file, "sregs"))
			continue;
		memset(st, 0, sizeof(st));
		vcpu_hold(v);
		d->get(v, st);
		memset(written, 0, sizeof(written));
		for (unsigned f = 0; f < d->nfields; f++)
			if (!strcmp(d->fields[f].name, "cs.base")) {
				memset(st + d->fields[f].offset, 0, d->fields[f].width);
				written[f / 64] |= 1ull << (f % 64);
			}
		d->set(v, st, written, why, sizeof(why));
		vcpu_release(v);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t zero[64 << 10];
	struct vm *vm;
	struct vcpu *v;
	char why[256];
	size_t seed;

	if (!nfix)
		make_fixture();
	if (size < 2 || size > 8192)
		return 0;
	vm = fix[data[0] % nfix];
	v = vm->vcpu[0];
	seed = size - 1 < 128 ? size - 1 : 128;
	vm_reset(vm);
	vm_mem_write(vm, 0, zero, sizeof(zero));
	vm_mem_write(vm, CODE_AT, data + 1 + seed, size - 1 - seed);
	if (!strcmp(vm->arch->name, "x86"))
		flat_x86(v);
	set_regs(v, data + 1, seed);
	vcpu_run(v, MODE_STEP, STEPS, why, sizeof(why));
	return 0;
}
