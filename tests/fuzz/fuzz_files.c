/*
 * Fuzz every writable file the way writes reach it, in sequences: state
 * written through one file is read back through the others and consumed by
 * short runs of the interpreter in between.
 *
 * Input: byte 0 picks the architecture of a fresh two-vcpu VM; then records
 * follow until the input ends.  A record starts with an op byte: its low
 * seven bits pick the op (modulo their number), its top bit picks cpu/1
 * instead of cpu/0 for per-vcpu files.  The ops are, in order:
 *
 *   0  step: one byte B follows; run the vcpu 16*B+1 instructions at most
 *   1  read: render every file of the tree (dirty_log harvests), read
 *      console and a little of mem
 *   2+ one op per writable file, in the order a directory walk meets them:
 *      the root's ctl; the VM's ctl, memslots, mem and console; cpu/N's
 *      ctl, exit, regs ...; the VM's aliases of cpu/0's regs, tlb ...
 *      Text follows up to a NUL byte or the end.  mem takes binary data
 *      instead: a 24-bit little-endian offset, a length byte, the bytes.
 *
 * The op list comes from the same directory walk the FUSE front end
 * serves, so a file added later is fuzzed without touching this harness.
 * Each input gets a new VM, so inputs do not depend on each other.  Built
 * with libFuzzer (make fuzz) or with replay.c (make check).
 *
 * FUZZ_ARCH=x86 or FUZZ_ARCH=ppc440 in the environment restricts byte 0 to
 * one architecture, to spend a run's time on it.  FUZZ_LIST=1 prints each
 * architecture's op numbers, for writing seed inputs by hand; FUZZ_DEBUG=1
 * prints the VM's log after each input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/files.h"
#include "tests/fuzz/fuzz_arch.h"

#define STEP_MAX 4096		/* instructions per run op */
#define RUNS_MAX 16		/* run ops per input: bounds an input's time */
#define NODES_MAX 128


struct nodes {
	struct node n[NODES_MAX];
	bool writable[NODES_MAX];
	char path[NODES_MAX][48];	/* for FUZZ_LIST */
	unsigned count;
	struct vm *vm;
	char dir[48];
};

static int collect(const char *name, const struct node *child, void *arg)
{
	struct nodes *ns = arg;
	size_t dirlen = strlen(ns->dir);
	struct stat st;

	/* only this input's VM and the root's own files */
	if (child->vm_id && child->vm_id != ns->vm->id)
		return 0;
	if (node_is_dir(child->kind)) {
		snprintf(ns->dir + dirlen, sizeof(ns->dir) - dirlen, "%s/", name);
		node_children(child, ns->vm, collect, ns);
		ns->dir[dirlen] = 0;
		return 0;
	}
	if (ns->count == NODES_MAX)
		abort();	/* the tree outgrew the harness: raise NODES_MAX */
	node_attr(child, child->vm_id ? ns->vm : NULL, &st);
	ns->writable[ns->count] = st.st_mode & 0200;
	snprintf(ns->path[ns->count], sizeof(ns->path[0]), "%s%s", ns->dir, name);
	ns->n[ns->count++] = *child;
	return 0;
}

static void walk(struct vm *vm, struct nodes *ns)
{
	struct node root = { 0, 0, K_ROOT };

	ns->count = 0;
	ns->vm = vm;
	ns->dir[0] = 0;
	node_children(&root, vm, collect, ns);
}

static void open_node(struct ofile *of, const struct node *n, struct vm *vm)
{
	memset(of, 0, sizeof(*of));
	of->n = *n;
	of->vm = n->vm_id ? vm : NULL;
	of->vcpu = vm->vcpu[n->cpu < (unsigned)vm->ncpus ? n->cpu : 0];
}

/* A text write as ll_write makes it: refused NULs cannot occur (NUL ends a record). */
static void write_text(struct vm *vm, const struct node *n, const char *data, size_t len)
{
	struct ofile of;
	struct wctx w = { NULL, &of, "fuzz", 0, 0, 0, 0 };
	char *text = malloc(len + 1);

	open_node(&of, n, vm);
	if (of.n.kind == K_VM_CONSOLE) {
		vm_hold_all(vm);
		console_in_put(&vm->console, data, len);
		vm_release_all(vm);
	} else if (!text_from_write(data, len, text, len + 1)) {
		file_write(&w, text);
	}
	free(text);
}

/*
 * A bounded run, as `step N` on cpu/N/ctl makes it but without its 100 ms
 * wait: a guest that waits for an interrupt that may still come (hlt,
 * MSR[WE]) is stopped after 20 ms, not to spend the fuzzer's time.
 */
static void run_steps(struct vm *vm, unsigned cpu, unsigned steps, unsigned *runs)
{
	struct vcpu *v = vm->vcpu[cpu < (unsigned)vm->ncpus ? cpu : 0];
	char why[256];
	uint64_t seq;

	if (++*runs > RUNS_MAX || vcpu_run_begin(v, MODE_STEP, steps, &seq, why, sizeof(why)))
		return;
	if (vcpu_run_wait(v, seq, 20) == -ETIMEDOUT) {
		vcpu_stop(v);
		while (vcpu_run_wait(v, seq, 1000) == -ETIMEDOUT)
			;
	}
}

/* cpu/N/ctl: `run` and long steps become bounded steps, so an input cannot spin. */
static void write_cpu_ctl(struct vm *vm, const struct node *n, const char *data, size_t len,
			  unsigned *runs)
{
	char word[24];
	size_t i = 0, k = 0;
	uint64_t steps;

	while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n'))
		i++;
	while (i < len && k < sizeof(word) - 1 && data[i] != ' ' && data[i] != '\t' && data[i] != '\n')
		word[k++] = data[i++];
	word[k] = 0;
	if (!strcmp(word, "run")) {
		run_steps(vm, n->cpu, STEP_MAX, runs);
		return;
	}
	if (!strcmp(word, "step")) {
		char arg[24];

		while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n'))
			i++;
		for (k = 0; i < len && k < sizeof(arg) - 1 && data[i] > ' '; )
			arg[k++] = data[i++];
		arg[k] = 0;
		if (!parse_u64(arg, &steps) && steps > STEP_MAX) {
			run_steps(vm, n->cpu, STEP_MAX, runs);
			return;
		}
		if (++*runs > RUNS_MAX)
			return;
	}
	write_text(vm, n, data, len);
}

static void read_all(struct vm *vm, const struct nodes *ns)
{
	static uint8_t page[4096];
	struct ofile of;
	struct buf b;

	buf_init(&b);
	for (unsigned i = 0; i < ns->count; i++) {
		open_node(&of, &ns->n[i], vm);
		if (of.n.kind == K_VM_MEM) {
			vm_mem_read(vm, 0, page, sizeof(page));
			vm_mem_read(vm, 0xff800, page, sizeof(page));	/* across the end of RAM */
		} else if (of.n.kind == K_VM_CONSOLE) {
			console_read(&vm->console, 0, page, sizeof(page));
		} else {
			buf_reset(&b);
			file_render(&of, &b);
		}
	}
	buf_free(&b);
}

/* Files of cpu/N/ itself, as opposed to the VM's and the VM's aliases of cpu/0's. */
static bool per_cpu(unsigned kind)
{
	unsigned idx, base = node_base(kind, &idx);

	return base == K_CPU_CTL || base == K_CPU_EXIT || base == K_CPU_STATS || base == K_STATE ||
	       base == K_VCPUFILE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nodes ns;
	unsigned writable[NODES_MAX], nw = 0, nops, runs = 0;
	char opts_text[64], why[256];
	struct kvlist opts;
	struct vm *vm;
	size_t at = 1;

	if (!narch_ok)
		pick_arches();
	if (size < 1 || size > 4096)
		return 0;
	snprintf(opts_text, sizeof(opts_text), "arch=%s mem=1M cpus=2", arches[arch_ok[data[0] % narch_ok]]);
	kv_split(opts_text, &opts);
	if (vm_create("f", 0, 0, &opts, &vm, why, sizeof(why)))
		abort();
	walk(vm, &ns);
	for (unsigned i = 0; i < ns.count; i++)
		if (ns.writable[i] && ns.n[i].cpu == 0)
			writable[nw++] = i;
	nops = 2 + nw;
	if (getenv("FUZZ_LIST")) {
		printf("%s: 0 step, 1 read", vm->arch->name);
		for (unsigned i = 0; i < nw; i++)
			printf(", %u %s", i + 2, ns.path[writable[i]]);
		printf("\n");
	}
	while (at < size && !vm->dead) {
		uint8_t op = data[at++];
		unsigned cpu = op >> 7, sel = (op & 0x7f) % nops;
		const uint8_t *text = data + at;
		size_t len = 0;
		struct node n;

		if (sel == 0) {
			if (at < size)
				run_steps(vm, cpu, 16u * data[at++] + 1, &runs);
			continue;
		}
		if (sel == 1) {
			read_all(vm, &ns);
			continue;
		}
		n = ns.n[writable[sel - 2]];
		if (per_cpu(n.kind))
			n.cpu = cpu;
		if (n.kind == K_VM_MEM) {
			uint64_t off;
			size_t l;

			if (size - at < 4)
				break;
			off = data[at] | data[at + 1] << 8 | (uint64_t)data[at + 2] << 16;
			l = data[at + 3];
			at += 4;
			l = l < size - at ? l : size - at;
			vm_mem_write(vm, off, data + at, l);
			at += l;
			continue;
		}
		while (at + len < size && data[at + len])
			len++;
		at += len + 1;
		if (n.kind == K_CPU_CTL)
			write_cpu_ctl(vm, &n, (const char *)text, len, &runs);
		else
			write_text(vm, &n, (const char *)text, len);
	}
	if (getenv("FUZZ_DEBUG")) {
		struct buf b;

		buf_init(&b);
		textlog_render(&vm->log, &b);
		fprintf(stderr, "%.*s", (int)b.len, b.p);
		buf_free(&b);
	}
	/* VMs made through the root's ctl go too */
	vm_destroy_all();
	vm_put(vm);
	return 0;
}
