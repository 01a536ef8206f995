/* A VM's own files: ctl, memslots, dirty_log, log, stats. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "files.h"

static int do_start(struct wctx *w, struct kvlist *kv)
{
	(void)kv;
	return vm_start(w->of->vm);
}

/* stop [N]: every vcpu, or vcpu N.  This is how a `run` blocked on cpu/N/ctl
 * is stopped from elsewhere: the kernel lets one write at a time into a file,
 * so a `stop` written to that same cpu/N/ctl would wait behind the run. */
static int do_stop(struct wctx *w, struct kvlist *kv)
{
	struct vm *vm = w->of->vm;
	uint64_t n;

	if (kv->n == 1) {
		vm_stop(vm);
		return 0;
	}
	if (kv->kv[1].val || parse_u64(kv->kv[1].key, &n) || n >= (uint64_t)vm->ncpus)
		return refuse(w, -EINVAL, "stop %.20s: want a cpu number below %d", kv->kv[1].key, vm->ncpus);
	vcpu_stop(vm->vcpu[n]);
	return 0;
}

/* reset: the machine (devices, vcpus, the last image placed again); reset cpu: the vcpus only. */
static int do_reset(struct wctx *w, struct kvlist *kv)
{
	if (kv->n == 2 && (kv->kv[1].val || strcmp(kv->kv[1].key, "cpu")))
		return refuse(w, -EINVAL, "usage: reset [cpu]");
	return vm_reset(w->of->vm, kv->n == 2);
}

static int do_load(struct wctx *w, struct kvlist *kv)
{
	struct kvlist args;
	char why[256];
	int fd, r;

	if (kv->kv[1].val)
		return refuse(w, -EINVAL, "load: the path comes first: load PATH [key=value ...]");
	fd = open_as_caller(w, kv->kv[1].key, O_RDONLY, why, sizeof(why));
	if (fd < 0)
		return refuse(w, fd, "load %s: %s", kv->kv[1].key, why);
	args.n = kv->n - 2;
	memcpy(args.kv, kv->kv + 2, args.n * sizeof(args.kv[0]));
	r = vm_load(w->of->vm, fd, kv->kv[1].key, &args);
	close(fd);
	return r;
}

static int do_enable_cap(struct wctx *w, struct kvlist *kv)
{
	struct vm *vm = w->of->vm;
	char why[256] = "";
	int r;

	if (!vm->arch->enable_cap)
		return refuse(w, -EINVAL, "enable-cap %.40s: arch %s has no capabilities to enable",
			      kv->kv[1].key, vm->arch->name);
	vm_hold_all(vm);
	r = vm->arch->enable_cap(vm, kv->kv[1].key, why, sizeof(why));
	vm_release_all(vm);
	if (!r)
		vm_log(vm, "enabled %s", kv->kv[1].key);
	return r ? refuse(w, r, "enable-cap %.40s: %s", kv->kv[1].key, why) : 0;
}

/* debug on|off: debug events end the run (reason=debug) instead of reaching the guest. */
static int do_debug(struct wctx *w, struct kvlist *kv)
{
	struct vm *vm = w->of->vm;
	char why[256] = "";
	int on, r;

	if (kv->kv[1].val || parse_bool(kv->kv[1].key, &on))
		return refuse(w, -EINVAL, "usage: debug on|off");
	if (!vm->arch->set_guest_debug)
		return refuse(w, -EINVAL, "debug: arch %s cannot stop on debug events", vm->arch->name);
	vm_hold_all(vm);
	r = vm->arch->set_guest_debug(vm, on, why, sizeof(why));
	vm_release_all(vm);
	return r ? refuse(w, r, "debug: %s", why) : 0;
}

/* irq LINE LEVEL: drive an input of the platform's interrupt controller. */
static int do_irq(struct wctx *w, struct kvlist *kv)
{
	struct vm *vm = w->of->vm;
	uint64_t line;
	int level, r;
	char why[256] = "";

	if (kv->kv[1].val || parse_uint(kv->kv[1].key, 32, &line) || kv->kv[2].val ||
	    parse_bool(kv->kv[2].key, &level))
		return refuse(w, -EINVAL, "usage: irq LINE 0|1");
	if (!vm->arch->set_irq)
		return refuse(w, -EINVAL, "irq: arch %s has no interrupt controller", vm->arch->name);
	vm_hold_all(vm);
	r = vm->arch->set_irq(vm, line, level, why, sizeof(why));
	vm_release_all(vm);
	return r ? refuse(w, r, "irq %llu %d: %s", (unsigned long long)line, level, why) : 0;
}

static const struct verb vm_verbs[] = {
	{ "start", 0, 0, do_start, "start" },
	{ "stop", 0, 1, do_stop, "stop [CPU]" },
	{ "reset", 0, 1, do_reset, "reset [cpu]" },
	{ "load", 1, -1, do_load, "load PATH [cmdline=...]" },
	{ "enable-cap", 1, 1, do_enable_cap, "enable-cap NAME" },
	{ "irq", 2, 2, do_irq, "irq LINE 0|1" },
	{ "debug", 1, 1, do_debug, "debug on|off" },
	{ 0 }
};

static int parse_flags(const char *s, uint32_t *flags)
{
	char tmp[64], *save, *t;

	*flags = 0;
	if (!strcmp(s, "none") || !*s)
		return 0;
	if (strlen(s) >= sizeof(tmp))
		return -EINVAL;
	strcpy(tmp, s);
	for (t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "dirty_log"))
			*flags |= MEMSLOT_DIRTY_LOG;
		else if (!strcmp(t, "readonly"))
			*flags |= MEMSLOT_READONLY;
		else
			return -EINVAL;
	}
	return 0;
}

static int memslots_write_text(struct wctx *w, char *text)
{
	struct memslot_req rq = { .fd = -1 };
	bool has_slot = false, has_size = false;
	const char *file = NULL;
	struct kvlist kv;
	char why[256];
	int r;

	if (kv_split(text, &kv) || !kv.n)
		return refuse(w, -EINVAL, "expected: slot=N gpa=ADDR size=SIZE [flags=dirty_log,readonly] [file=PATH]");
	for (int i = 0; i < kv.n; i++) {
		const char *k = kv.kv[i].key, *v = kv.kv[i].val;
		uint64_t n = 0;

		if (!v)
			return refuse(w, -EINVAL, "'%.40s' is not key=value", k);
		if (!strcmp(k, "flags")) {
			if (parse_flags(v, &rq.flags))
				return refuse(w, -EINVAL, "flags=%.40s: want none or a list of dirty_log,readonly", v);
			rq.has_flags = true;
			continue;
		}
		if (!strcmp(k, "file")) {
			file = v;
			continue;
		}
		if (!strcmp(k, "backing")) {
			if (strcmp(v, "anon"))
				return refuse(w, -EINVAL, "backing=%.40s: write file=PATH for a file-backed slot", v);
			continue;
		}
		r = parse_u64(v, &n);
		if (r)
			return refuse(w, r, "%s=%.40s: %s", k, v, r == -ERANGE ? "too large" : "not a number");
		if (!strcmp(k, "slot")) {
			if (has_slot)
				return refuse(w, -EINVAL, "one slot per write");
			if (n >= MEMSLOTS_MAX)
				return refuse(w, -ERANGE, "slot=%s: slots are 0-%d", v, MEMSLOTS_MAX - 1);
			rq.id = n;
			has_slot = true;
		} else if (!strcmp(k, "gpa")) {
			rq.gpa = n;
			rq.has_gpa = true;
		} else if (!strcmp(k, "size")) {
			rq.size = n;
			has_size = true;
		} else {
			return refuse(w, -EINVAL, "unknown field '%.40s'; fields: slot gpa size flags file", k);
		}
	}
	if (!has_slot)
		return refuse(w, -EINVAL, "slot=N is required");
	if (!has_size) {
		struct memslot *s;

		pthread_rwlock_rdlock(&w->of->vm->slots_lock);
		s = memslots_by_id(&w->of->vm->slots, rq.id);
		rq.size = s ? s->size : 0;
		pthread_rwlock_unlock(&w->of->vm->slots_lock);
		if (!rq.size)
			return refuse(w, -EINVAL, "slot %u does not exist: size=SIZE is required", rq.id);
	}
	if (file) {
		if (rq.size == 0)
			return refuse(w, -EINVAL, "file= makes no sense when deleting (size=0)");
		rq.fd = open_as_caller(w, file, (rq.flags & MEMSLOT_READONLY) ? O_RDONLY : O_RDWR,
				       why, sizeof(why));
		if (rq.fd < 0)
			return refuse(w, rq.fd, "file=%s: %s", file, why);
		snprintf(rq.backing, sizeof(rq.backing), "%s", file);
	}
	r = vm_set_memslot(w->of->vm, &rq);
	if (rq.fd >= 0)
		close(rq.fd);
	return r;
}

static void memslots_render(struct vm *vm, struct buf *out)
{
	pthread_rwlock_rdlock(&vm->slots_lock);
	for (int i = 0; i < vm->slots.n; i++) {
		const struct memslot *s = vm->slots.slot[i];
		const char *fl = (s->flags & MEMSLOT_DIRTY_LOG) && (s->flags & MEMSLOT_READONLY) ?
			"dirty_log,readonly" : (s->flags & MEMSLOT_DIRTY_LOG) ? "dirty_log" :
			(s->flags & MEMSLOT_READONLY) ? "readonly" : "none";

		buf_printf(out, "slot=%u gpa=0x%llx size=0x%llx flags=%s backing=%s%s%s\n", s->id,
			   (unsigned long long)s->gpa, (unsigned long long)s->size, fl,
			   s->fd < 0 ? "anon" : memslot_lost(s) ? "file,truncated" : "file",
			   s->fd >= 0 ? " file=" : "", s->fd >= 0 ? s->backing : "");
	}
	pthread_rwlock_unlock(&vm->slots_lock);
}

void vm_file_render(struct ofile *of, struct buf *out)
{
	struct vm *vm = of->vm;

	switch (of->n.kind) {
	case K_VM_CTL:
		vm_render_state(vm, out);
		break;
	case K_VM_MEMSLOTS:
		memslots_render(vm, out);
		break;
	case K_VM_DIRTY:
		vm_dirty_harvest(vm, out);
		break;
	case K_VM_LOG:
		textlog_render(&vm->log, out);
		break;
	case K_VM_STATS:
		vm_render_stats(vm, out);
		break;
	}
}

int vm_file_write(struct wctx *w, char *text)
{
	switch (w->of->n.kind) {
	case K_VM_CTL:
		/* load's command line is text, not tokens */
		return verb_dispatch_rest(w, vm_verbs, text, "cmdline");
	case K_VM_MEMSLOTS:
		return memslots_write_text(w, text);
	}
	return -EACCES;
}
