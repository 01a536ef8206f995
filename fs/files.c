#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "files.h"

int refuse(struct wctx *w, int err, const char *fmt, ...)
{
	char line[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	vm_log(w->of->vm, "%s: %s", w->file, line);
	return err;
}

int verb_dispatch(struct wctx *w, const struct verb *verbs, char *text)
{
	return verb_dispatch_rest(w, verbs, text, NULL);
}

int verb_dispatch_rest(struct wctx *w, const struct verb *verbs, char *text, const char *rest_key)
{
	struct kvlist kv;
	char valid[256] = "";
	int nargs;

	if (kv_split_rest(text, &kv, rest_key))
		return refuse(w, -E2BIG, "too many words (at most %d)", KV_MAX);
	if (!kv.n)
		return refuse(w, -EINVAL, "empty command");
	nargs = kv.n - 1;
	for (const struct verb *v = verbs; v->name; v++) {
		if (strcmp(v->name, kv.kv[0].key) || kv.kv[0].val)
			continue;
		if (nargs < v->min_args || (v->max_args >= 0 && nargs > v->max_args))
			return refuse(w, -EINVAL, "usage: %s", v->usage);
		return v->fn(w, &kv);
	}
	for (const struct verb *v = verbs; v->name; v++) {
		strncat(valid, " ", sizeof(valid) - strlen(valid) - 1);
		strncat(valid, v->name, sizeof(valid) - strlen(valid) - 1);
	}
	return refuse(w, -EINVAL, "unknown command '%.40s'%s; valid:%s", kv.kv[0].key,
		      kv.kv[0].val ? "=..." : "", valid);
}

void file_render(struct ofile *of, struct buf *out)
{
	unsigned idx, base = node_base(of->n.kind, &idx);
	const struct arch_ops *a = of->vm ? of->vm->arch : NULL;

	switch (base) {
	case K_STATE:
	case K_VM_STATE:
		state_render(of->vcpu, a->state_files[idx], out);
		return;
	case K_VCPUFILE:
	case K_VM_VCPUFILE:
		if (a->vcpu_files[idx]->render) {
			vcpu_hold(of->vcpu);
			a->vcpu_files[idx]->render(of->vcpu, out);
			vcpu_release(of->vcpu);
		}
		return;
	case K_VMFILE:
		/* VM-wide state that control operations replace (load builds a new
		 * device tree and frees the old one): render it under ctl_lock */
		if (a->vm_files[idx]->render) {
			pthread_mutex_lock(&of->vm->ctl_lock);
			a->vm_files[idx]->render(of->vm, out);
			pthread_mutex_unlock(&of->vm->ctl_lock);
		}
		return;
	}
	if (of->n.kind <= K_ROOT_LOG)
		root_render(of, out);
	else if (of->n.kind >= K_CPU_CTL && of->n.kind <= K_CPU_STATS)
		cpu_file_render(of, out);
	else
		vm_file_render(of, out);
}

static int split(struct wctx *w, char *text, struct kvlist *kv)
{
	return kv_split(text, kv) ? refuse(w, -E2BIG, "too many words (at most %d)", KV_MAX) : 0;
}

int file_write(struct wctx *w, char *text)
{
	struct ofile *of = w->of;
	unsigned idx, base = node_base(of->n.kind, &idx);
	const struct arch_ops *a = of->vm ? of->vm->arch : NULL;

	switch (base) {
	case K_STATE:
	case K_VM_STATE:
		return state_write(w, of->vcpu, a->state_files[idx], text);
	case K_VCPUFILE:
	case K_VM_VCPUFILE:
	case K_VMFILE: {
		char why[256] = "invalid";
		struct kvlist kv;
		int r;

		if ((base == K_VMFILE ? !a->vm_files[idx]->write : !a->vcpu_files[idx]->write))
			return -EACCES;
		if ((r = split(w, text, &kv)))
			return r;
		if (base == K_VMFILE) {
			vm_hold_all(of->vm);
			r = a->vm_files[idx]->write(of->vm, &kv, why, sizeof(why));
			vm_release_all(of->vm);
		} else {
			vcpu_hold(of->vcpu);
			r = a->vcpu_files[idx]->write(of->vcpu, &kv, why, sizeof(why));
			vcpu_release(of->vcpu);
		}
		return r ? refuse(w, r, "%s", why) : 0;
	}
	}
	if (of->n.kind <= K_ROOT_LOG)
		return root_write(w, text);
	if (of->n.kind >= K_CPU_CTL && of->n.kind <= K_CPU_STATS)
		return cpu_file_write(w, text);
	return vm_file_write(w, text);
}
