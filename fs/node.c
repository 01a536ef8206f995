#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "node.h"

struct fixed {
	const char *name;
	unsigned kind;
	mode_t mode;
};

static const struct fixed root_files[] = {
	{ "ctl", K_ROOT_CTL, 0666 },
	{ "info", K_ROOT_INFO, 0444 },
	{ "log", K_ROOT_LOG, 0444 },
};

static const struct fixed vm_files[] = {
	{ "ctl", K_VM_CTL, 0600 },
	{ "memslots", K_VM_MEMSLOTS, 0600 },
	{ "mem", K_VM_MEM, 0600 },
	{ "dirty_log", K_VM_DIRTY, 0400 },
	{ "console", K_VM_CONSOLE, 0600 },
	{ "log", K_VM_LOG, 0400 },
	{ "stats", K_VM_STATS, 0400 },
	{ "cpu", K_CPUS, 0700 },
};

static const struct fixed cpu_files[] = {
	{ "ctl", K_CPU_CTL, 0600 },
	{ "exit", K_CPU_EXIT, 0600 },
	{ "stats", K_CPU_STATS, 0400 },
};

/* the root's files date from the daemon's start */
static time_t started;
__attribute__((constructor)) static void note_start(void)
{
	started = time(NULL);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

unsigned node_base(unsigned kind, unsigned *index)
{
	static const unsigned bases[] = { K_VMFILE, K_VM_VCPUFILE, K_VCPUFILE, K_VM_STATE, K_STATE };

	for (unsigned i = 0; i < N(bases); i++)
		if (kind >= bases[i]) {
			*index = kind - bases[i];
			return bases[i];
		}
	*index = 0;
	return kind;
}

bool node_is_dir(unsigned kind)
{
	return kind == K_ROOT || kind == K_VM || kind == K_CPUS || kind == K_CPU;
}

static unsigned count(const void *const *list)
{
	unsigned n = 0;

	while (list && list[n])
		n++;
	return n;
}

int node_resolve(const struct node *n, struct vm **vmp, struct vcpu **vcpup)
{
	struct vm *vm;
	unsigned idx, base;

	*vmp = NULL;
	*vcpup = NULL;
	if (n->kind >= K_LIMIT || n->kind == K_NONE)
		return -ENOENT;
	if (n->vm_id == 0)
		return n->kind <= K_ROOT_LOG ? 0 : -ENOENT;
	if (n->kind <= K_ROOT_LOG)
		return -ENOENT;
	vm = vm_lookup_id(n->vm_id);
	if (!vm)
		return -ENOENT;
	base = node_base(n->kind, &idx);
	if ((base == K_STATE || base == K_VM_STATE) && idx >= count((const void *const *)vm->arch->state_files))
		goto gone;
	if ((base == K_VCPUFILE || base == K_VM_VCPUFILE) &&
	    idx >= count((const void *const *)vm->arch->vcpu_files))
		goto gone;
	if (base == K_VMFILE && idx >= count((const void *const *)vm->arch->vm_files))
		goto gone;
	if ((int)n->cpu >= vm->ncpus)
		goto gone;
	*vmp = vm;
	*vcpup = vm->vcpu[n->cpu];
	return 0;
gone:
	vm_put(vm);
	return -ENOENT;
}

static mode_t node_mode(const struct node *n, struct vm *vm)
{
	unsigned idx, base = node_base(n->kind, &idx);
	const struct fixed *tables[] = { root_files, vm_files, cpu_files };
	const unsigned sizes[] = { N(root_files), N(vm_files), N(cpu_files) };

	switch (base) {
	case K_ROOT:
		return S_IFDIR | 01777;
	case K_VM:
	case K_CPU:
		return S_IFDIR | 0700;
	case K_STATE:
	case K_VM_STATE: {
		const struct state_desc *d = vm->arch->state_files[idx];
		bool rw = d->set != NULL;
		return S_IFREG | (rw ? 0600 : 0400);
	}
	case K_VCPUFILE:
	case K_VM_VCPUFILE:
		return S_IFREG | vm->arch->vcpu_files[idx]->mode;
	case K_VMFILE:
		return S_IFREG | vm->arch->vm_files[idx]->mode;
	}
	for (unsigned t = 0; t < 3; t++)
		for (unsigned i = 0; i < sizes[t]; i++)
			if (tables[t][i].kind == n->kind)
				return (node_is_dir(n->kind) ? S_IFDIR : S_IFREG) | tables[t][i].mode;
	return S_IFREG | 0400;
}

void node_attr(const struct node *n, struct vm *vm, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = node_ino(n->vm_id, n->cpu, n->kind);
	st->st_mode = node_mode(n, vm);
	st->st_nlink = S_ISDIR(st->st_mode) ? 2 : 1;
	st->st_uid = vm ? vm->uid : geteuid();
	st->st_gid = vm ? vm->gid : getegid();
	st->st_blksize = 4096;
	st->st_atime = st->st_mtime = st->st_ctime = vm ? vm->created : started;
	if (vm && n->kind == K_VM_CONSOLE)
		st->st_size = console_size(&vm->console);
	if (vm && n->kind == K_VM_MEM) {
		pthread_rwlock_rdlock(&vm->slots_lock);
		st->st_size = memslots_extent(&vm->slots);
		pthread_rwlock_unlock(&vm->slots_lock);
	}
}

struct root_walk {
	child_fn fn;
	void *arg;
	int stop;
};

static void root_vm(struct vm *vm, void *arg)
{
	struct root_walk *w = arg;
	struct node c = { vm->id, 0, K_VM };

	if (!w->stop)
		w->stop = w->fn(vm->name, &c, w->arg);
}

static int fixed_children(const struct fixed *t, unsigned n, uint64_t vm_id, unsigned cpu,
			  child_fn fn, void *arg)
{
	for (unsigned i = 0; i < n; i++) {
		struct node c = { vm_id, cpu, t[i].kind };
		int r = fn(t[i].name, &c, arg);

		if (r)
			return r;
	}
	return 0;
}

/* The arch's files: state files, then vcpu files, numbered from `state` and `vcpufile`. */
static int arch_children(struct vm *vm, uint64_t vm_id, unsigned cpu, unsigned state, unsigned vcpufile,
			 child_fn fn, void *arg)
{
	const struct arch_ops *a = vm->arch;
	int r;

	for (unsigned i = 0; a->state_files && a->state_files[i]; i++) {
		struct node c = { vm_id, cpu, state + i };

		if ((r = fn(a->state_files[i]->file, &c, arg)))
			return r;
	}
	for (unsigned i = 0; a->vcpu_files && a->vcpu_files[i]; i++) {
		struct node c = { vm_id, cpu, vcpufile + i };

		if ((r = fn(a->vcpu_files[i]->name, &c, arg)))
			return r;
	}
	return 0;
}

int node_children(const struct node *dir, struct vm *vm, child_fn fn, void *arg)
{
	char name[16];
	int r;

	switch (dir->kind) {
	case K_ROOT: {
		struct root_walk w = { fn, arg, 0 };

		if ((r = fixed_children(root_files, N(root_files), 0, 0, fn, arg)))
			return r;
		vm_foreach(root_vm, &w);
		return w.stop;
	}
	case K_VM:
		if ((r = fixed_children(vm_files, N(vm_files), vm->id, 0, fn, arg)))
			return r;
		if ((r = arch_children(vm, vm->id, 0, K_VM_STATE, K_VM_VCPUFILE, fn, arg)))
			return r;
		for (unsigned i = 0; vm->arch->vm_files && vm->arch->vm_files[i]; i++) {
			struct node c = { vm->id, 0, K_VMFILE + i };

			if ((r = fn(vm->arch->vm_files[i]->name, &c, arg)))
				return r;
		}
		return 0;
	case K_CPUS:
		for (int i = 0; i < vm->ncpus; i++) {
			struct node c = { vm->id, i, K_CPU };

			snprintf(name, sizeof(name), "%d", i);
			if ((r = fn(name, &c, arg)))
				return r;
		}
		return 0;
	case K_CPU:
		if ((r = fixed_children(cpu_files, N(cpu_files), vm->id, dir->cpu, fn, arg)))
			return r;
		return arch_children(vm, vm->id, dir->cpu, K_STATE, K_VCPUFILE, fn, arg);
	}
	return -ENOTDIR;
}
