/*
 * Fuzz every writable file's parser the way a write reaches it: the first
 * byte picks a file of a fixture VM, the rest is the text written.  The VM
 * is put back as it was after each input, so inputs do not depend on each
 * other.  Built with libFuzzer (make fuzz) or with replay.c (make check).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/files.h"

static struct vm *fix[2];
static int nfix;

static void make_fixture(void)
{
	const char *const arches[] = { "x86", "ppc440" };
	char why[256];

	for (unsigned i = 0; i < 2; i++) {
		char opts_text[64], name[16];
		struct kvlist opts;

		snprintf(opts_text, sizeof(opts_text), "arch=%s mem=1M", arches[i]);
		snprintf(name, sizeof(name), "f%u", i);
		if (!arch_find(arches[i]))
			continue;
		kv_split(opts_text, &opts);
		if (vm_create(name, 0, 0, &opts, &fix[nfix], why, sizeof(why)) == 0)
			nfix++;
	}
	if (!nfix)
		abort();
}

/* Every node that takes writes and does not run the guest. */
static int pick(struct vm *vm, unsigned sel, struct node *n)
{
	static const unsigned fixed[] = { K_ROOT_CTL, K_VM_CTL, K_VM_MEMSLOTS, K_CPU_EXIT };
	unsigned nstate = 0, nvcpu = 0, nvm = 0;
	const struct arch_ops *a = vm->arch;

	while (a->state_files && a->state_files[nstate])
		nstate++;
	while (a->vcpu_files && a->vcpu_files[nvcpu])
		nvcpu++;
	while (a->vm_files && a->vm_files[nvm])
		nvm++;
	sel %= 4 + nstate + nvcpu + nvm;
	*n = (struct node){ vm->id, 0, 0 };
	if (sel < 4)
		n->kind = fixed[sel];
	else if ((sel -= 4) < nstate)
		n->kind = K_STATE + sel;
	else if ((sel -= nstate) < nvcpu)
		n->kind = K_VCPUFILE + sel;
	else
		n->kind = K_VMFILE + sel - nvcpu;
	if (n->kind == K_ROOT_CTL)
		n->vm_id = 0;
	return 0;
}

struct extra {
	struct vm *vm[VMS_MAX];
	int n;
};

static void note_extra(struct vm *vm, void *arg)
{
	struct extra *e = arg;

	for (int i = 0; i < nfix; i++)
		if (fix[i] == vm)
			return;
	vm_get(vm);
	e->vm[e->n++] = vm;
}

/* Put everything back: no VMs but the fixture's, only slot 0, vcpus reset. */
static void restore(struct vm *vm)
{
	static struct extra extra;
	struct memslot_req rq = { .fd = -1 };

	extra.n = 0;
	vm_foreach(note_extra, &extra);
	for (int i = 0; i < extra.n; i++) {
		vm_destroy(extra.vm[i]);
		vm_put(extra.vm[i]);
	}
	for (uint32_t id = 1; id < MEMSLOTS_MAX; id++) {
		pthread_rwlock_rdlock(&vm->slots_lock);
		rq.id = id;
		rq.size = memslots_by_id(&vm->slots, id) ? 0 : 1;
		pthread_rwlock_unlock(&vm->slots_lock);
		if (!rq.size)
			vm_set_memslot(vm, &rq);
	}
	vm_reset(vm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ofile of = { 0 };
	struct wctx w = { NULL, &of, "fuzz", 0, 0, 0 };
	struct vm *vm;
	char *text;

	if (!nfix)
		make_fixture();
	if (size < 2 || size > 4096)
		return 0;
	vm = fix[data[0] % nfix];
	pick(vm, data[0] / nfix, &of.n);
	of.vm = of.n.vm_id ? vm : NULL;
	of.vcpu = vm->vcpu[0];
	text = malloc(size);
	if (!text_from_write((const char *)data + 1, size - 1, text, size))
		file_write(&w, text);
	free(text);
	restore(vm);
	return 0;
}
