/* cpu/N/ctl (run, step, stop), cpu/N/exit, cpu/N/stats. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "files.h"
#include "fs.h"

static void interrupted(fuse_req_t req, void *data)
{
	(void)req;
	vcpu_stop(data);
}

static int run_blocking(struct wctx *w, enum run_mode mode, uint64_t steps)
{
	struct vcpu *v = w->of->vcpu;
	char why[256];
	int r;

	uint64_t seq;

	r = vcpu_run_begin(v, mode, steps, &seq, why, sizeof(why));
	if (r)
		return refuse(w, r, "%s", why);
	/* Ctrl-C on the writer ends the run like `stop` does: reason=intr. */
	if (w->req)
		fuse_req_interrupt_func(w->req, interrupted, v);
	/* An unmount or SIGTERM must not wait for the guest: look now and then. */
	while ((r = vcpu_run_wait(v, seq, 100)) == -ETIMEDOUT)
		if (!w->req || fuse_req_interrupted(w->req) ||
		    (vmmfs_session && fuse_session_exited(vmmfs_session)))
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
