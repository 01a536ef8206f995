/* The root's files: ctl (create, destroy), info, log. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "files.h"
#include "fs.h"

#define VMMFS_VERSION "0.1.0"

static int do_create(struct wctx *w, struct kvlist *kv)
{
	struct kvlist opts;
	char why[256] = "";
	int r;

	if (kv->kv[1].val)
		return refuse(w, -EINVAL, "create: the name comes first: create NAME [arch=..] [mem=..] [cpus=..]");
	opts.n = kv->n - 2;
	memcpy(opts.kv, kv->kv + 2, opts.n * sizeof(opts.kv[0]));
	r = vm_create(kv->kv[1].key, w->uid, w->gid, &opts, NULL, why, sizeof(why));
	return r ? refuse(w, r, "create %s: %s", kv->kv[1].key, why) : 0;
}

static int do_destroy(struct wctx *w, struct kvlist *kv)
{
	struct vm *vm = vm_lookup(kv->kv[1].key);
	int r;

	if (!vm)
		return refuse(w, -ENOENT, "destroy %.64s: no such VM", kv->kv[1].key);
	if (w->uid != 0 && w->uid != vm->uid) {
		vm_put(vm);
		return refuse(w, -EACCES, "destroy %s: the VM belongs to uid %u", kv->kv[1].key,
			      (unsigned)vm->uid);
	}
	r = vm_destroy(vm);
	if (!r)
		fs_forget_vm(vm->name);
	vm_put(vm);
	return r ? refuse(w, r, "destroy %s: already gone", kv->kv[1].key) : 0;
}

static const struct verb root_verbs[] = {
	{ "create", 1, -1, do_create, "create NAME [arch=x86|ppc440] [mem=SIZE] [cpus=N] [console_max=SIZE]" },
	{ "destroy", 1, 1, do_destroy, "destroy NAME" },
	{ 0 }
};

void root_render(struct ofile *of, struct buf *out)
{
	switch (of->n.kind) {
	case K_ROOT_CTL:
		for (const struct verb *v = root_verbs; v->name; v++)
			buf_printf(out, "%s\n", v->usage);
		break;
	case K_ROOT_INFO:
		buf_printf(out, "version=%s\narchs=%s\nvms=%u\nruns_pending=%u\npoll_waiters=%u\n"
			   "max_vms=%d\nvms_reserved_for_root=%d\nmax_vcpus=%d\n"
			   "max_memslots=%d\nmax_mem=%llu\nmax_code_cache_per_vm=%llu\n"
			   "max_vms_per_user=%llu\nmax_vcpus_per_user=%llu\nmax_mem_per_user=%llu\n"
			   "caps=user_memory readonly_mem file_backed_mem dirty_log io_exit mmio_exit "
			   "step immediate_stop\n",
			   VMMFS_VERSION, arch_names(), vm_count(), fs_runs_pending(), poll_waiters(),
			   VMS_MAX, VMS_ROOT_RESERVE, VCPUS_MAX, MEMSLOTS_MAX,
			   (unsigned long long)VM_MEM_MAX, (unsigned long long)CODE_CACHE_MAX,
			   (unsigned long long)user_quota.vms, (unsigned long long)user_quota.vcpus,
			   (unsigned long long)user_quota.mem);
		break;
	case K_ROOT_LOG:
		textlog_render(&global_log, out);
		break;
	}
}

int root_write(struct wctx *w, char *text)
{
	if (w->of->n.kind != K_ROOT_CTL)
		return -EACCES;
	return verb_dispatch(w, root_verbs, text);
}
