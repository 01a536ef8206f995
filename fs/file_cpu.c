/* cpu/N/ctl (run, step, stop), cpu/N/exit, cpu/N/stats. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "fs.h"

/*
 * A `run` (or `step`) from FUSE is answered when the run ends, from the
 * thread that ends it: no worker thread waits for a guest, so any number of
 * blocked runs cost no worker.  The request is answered exactly once, by
 * run_ended; the worker that began the run and the interrupt callback only
 * touch this struct, which lives until both the worker and the run are done
 * with it (refs).
 */
struct pending_run {
	fuse_req_t req;
	struct vcpu *vcpu;
	struct vm *vm;			/* referenced: the worker may stop the vcpu after the reply */
	size_t size;			/* what the write answers on success */
	int refs;			/* atomic: the worker's and the run's */
	bool interrupted;		/* atomic: the writer got a signal (Ctrl-C) */
};

/* Run requests waiting for their answer (the root's info shows it). */
static unsigned runs_pending;

unsigned fs_runs_pending(void)
{
	return __atomic_load_n(&runs_pending, __ATOMIC_SEQ_CST);
}

static void pending_put(struct pending_run *p)
{
	if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_SEQ_CST) == 0) {
		vm_put(p->vm);
		free(p);
	}
}

/*
 * Called by libfuse with the request's lock held, and only before the reply
 * (which clears it under the same lock): the vcpu is still there.
 */
static void interrupted(fuse_req_t req, void *data)
{
	struct pending_run *p = data;

	(void)req;
	__atomic_store_n(&p->interrupted, true, __ATOMIC_SEQ_CST);
	vcpu_stop(p->vcpu);
}

/*
 * How a run ended, for the writer.  A `stop` ends the run with reason=intr
 * and a successful write, so that clients that retry a write on EINTR (dash's
 * echo, Python's os.write) see it end and read the exit; a signal to the
 * writer (Ctrl-C) ends it with EINTR as KVM_RUN does, and so do a destroyed VM
 * and a daemon shutting down.
 */
static void run_ended(void *ctx, int err)
{
	struct pending_run *p = ctx;

	if (err == -EINTR && !__atomic_load_n(&p->interrupted, __ATOMIC_SEQ_CST) &&
	    !p->vm->dead && !(vmmfs_session && fuse_session_exited(vmmfs_session)))
		err = 0;
	__atomic_sub_fetch(&runs_pending, 1, __ATOMIC_SEQ_CST);
	if (err)
		fuse_reply_err(p->req, -err);
	else
		fuse_reply_write(p->req, p->size);
	pending_put(p);
}

static int run_deferred(struct wctx *w, enum run_mode mode, uint64_t steps)
{
	struct pending_run *p = calloc(1, sizeof(*p));
	struct run_done done = { run_ended, p };
	char why[256];
	int r;

	if (!p)
		return refuse(w, -ENOMEM, "out of memory");
	*p = (struct pending_run){ w->req, w->of->vcpu, w->of->vm, w->size, 2, false };
	vm_get(p->vm);
	/* before the run begins: once it has, the reply may free the request */
	fuse_req_interrupt_func(w->req, interrupted, p);
	__atomic_add_fetch(&runs_pending, 1, __ATOMIC_SEQ_CST);
	r = vcpu_run_async(p->vcpu, mode, steps, &done, why, sizeof(why));
	if (r) {
		/* an interrupt from now until the refusal's reply must not find p */
		fuse_req_interrupt_func(w->req, NULL, NULL);
		__atomic_sub_fetch(&runs_pending, 1, __ATOMIC_SEQ_CST);
		vm_put(p->vm);
		free(p);
		return refuse(w, r, "%s", why);
	}
	/* a signal that came before the run began stopped nothing: stop it now
	 * (the run may be over and answered already: p->vm keeps the vcpu) */
	if (__atomic_load_n(&p->interrupted, __ATOMIC_SEQ_CST))
		vcpu_stop(p->vcpu);
	pending_put(p);
	return WRITE_DEFERRED;
}

/* Without FUSE (the fuzz harness): wait here, and stop a run that takes over 100 ms. */
static int run_blocking(struct wctx *w, enum run_mode mode, uint64_t steps)
{
	struct vcpu *v = w->of->vcpu;
	char why[256];
	uint64_t seq;
	int r;

	if (w->req)
		return run_deferred(w, mode, steps);
	r = vcpu_run_begin(v, mode, steps, &seq, why, sizeof(why));
	if (r)
		return refuse(w, r, "%s", why);
	while ((r = vcpu_run_wait(v, seq, 100)) == -ETIMEDOUT)
		vcpu_stop(v);
	return r;
}

static int do_run(struct wctx *w, struct kvlist *kv)
{
	(void)kv;
	return run_blocking(w, MODE_FOREGROUND, 0);
}

static int do_step(struct wctx *w, struct kvlist *kv)
{
	uint64_t n = 1;

	if (kv->n > 1 && (kv->kv[1].val || parse_u64(kv->kv[1].key, &n) || n == 0))
		return refuse(w, -EINVAL, "step %.40s: want a positive count", kv->kv[1].key);
	return run_blocking(w, MODE_STEP, n);
}

static int do_stop(struct wctx *w, struct kvlist *kv)
{
	(void)kv;
	vcpu_stop(w->of->vcpu);
	return 0;
}

static const struct verb cpu_verbs[] = {
	{ "run", 0, 0, do_run, "run" },
	{ "step", 0, 1, do_step, "step [N]" },
	{ "stop", 0, 0, do_stop, "stop" },
	{ 0 }
};

void cpu_file_render(struct ofile *of, struct buf *out)
{
	struct vcpu *v = of->vcpu;

	switch (of->n.kind) {
	case K_CPU_CTL:
		vcpu_render_state(v, out);
		break;
	case K_CPU_EXIT:
		vcpu_hold(v);
		exit_render(&v->exit, out);
		vcpu_release(v);
		break;
	case K_CPU_STATS:
		vcpu_render_stats(v, out);
		break;
	}
}

static int complete_exit(struct wctx *w, char *text)
{
	struct vcpu *v = w->of->vcpu;
	struct kvlist kv;
	char why[256];
	int r;

	if (kv_split(text, &kv) || !kv.n)
		return refuse(w, -EINVAL, "expected a completion such as data=0x41");
	vcpu_hold(v);
	if (v->state == VCPU_RUNNING || v->state == VCPU_HALTED) {
		snprintf(why, sizeof(why), "cpu %d is running; complete an exit while it waits", v->id);
		r = -EBUSY;
	} else {
		r = exit_complete(&v->exit, &kv, why, sizeof(why));
	}
	vcpu_release(v);
	return r ? refuse(w, r, "%s", why) : 0;
}

int cpu_file_write(struct wctx *w, char *text)
{
	switch (w->of->n.kind) {
	case K_CPU_CTL:
		return verb_dispatch(w, cpu_verbs, text);
	case K_CPU_EXIT:
		return complete_exit(w, text);
	}
	return -EACCES;
}
