#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "text.h"
#include "vcpu.h"
#include "vm.h"

static const char *const state_names[] = { "stopped", "running", "exited", "halted", "shutdown" };

const char *vcpu_state_name(enum vcpu_state s)
{
	return state_names[s];
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void vcpu_hold(struct vcpu *v)
{
	__atomic_add_fetch(&v->requests, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&v->mu);
	v->stat[STAT_KICKS]++;
}

void vcpu_release(struct vcpu *v)
{
	__atomic_sub_fetch(&v->requests, 1, __ATOMIC_SEQ_CST);
	/* a stopped or exited vcpu's thread would only wake to sleep again:
	 * every write to mem holds each vcpu, so that wake-up is not free */
	if (v->quit || v->state == VCPU_RUNNING || v->state == VCPU_HALTED)
		pthread_cond_broadcast(&v->cond);
	pthread_mutex_unlock(&v->mu);
}

void vcpu_set_exit(struct vcpu *v, enum exit_reason r)
{
	memset(&v->exit, 0, sizeof(v->exit));
	v->exit.reason = r;
}

/* The program counter, found through the arch's regs table ("pc" or "rip"). */
static uint64_t vcpu_pc(struct vcpu *v)
{
	const struct state_desc *d = v->vm->arch->state_files[0];
	uint8_t st[d->size];
	uint64_t pc = 0;

	d->get(v, st);
	for (unsigned i = 0; i < d->nfields; i++)
		if (!strcmp(d->fields[i].name, "pc") || !strcmp(d->fields[i].name, "rip"))
			memcpy(&pc, st + d->fields[i].offset, d->fields[i].width);
	return pc;
}

/* A run ends: wake whoever waits for it.  Called with v->mu held. */
static void end_run(struct vcpu *v, enum vcpu_state st)
{
	v->state = st;
	v->mode = MODE_NONE;
	v->stop_req = false;
	if (v->done.fn) {
		v->ended = v->done;
		v->ended_err = v->exit.reason == EXIT_INTR ? -EINTR : 0;
		v->done.fn = NULL;
	}
	pthread_mutex_lock(&v->wait_mu);
	v->run_seq++;
	pthread_cond_broadcast(&v->wait_cond);
	pthread_mutex_unlock(&v->wait_mu);
}

/*
 * The asynchronous waiter of a run that ended: taken under v->mu in the same
 * hold as the end_run that set it (so a later run cannot end over it), told
 * with call_done once v->mu is released.
 */
static struct run_done take_ended(struct vcpu *v, int *err)
{
	struct run_done d = v->ended;

	*err = v->ended_err;
	v->ended.fn = NULL;
	return d;
}

static void call_done(struct run_done d, int err)
{
	if (d.fn)
		d.fn(d.ctx, err);
}

static void count_exit(struct vcpu *v)
{
	static const enum vcpu_stat by_reason[EXIT_NR] = {
		[EXIT_IO] = STAT_EXIT_IO, [EXIT_MMIO] = STAT_EXIT_MMIO,
		[EXIT_HLT] = STAT_EXIT_HLT, [EXIT_DEBUG] = STAT_EXIT_DEBUG,
		[EXIT_SYSTEM_EVENT] = STAT_EXIT_SYSTEM_EVENT,
		[EXIT_INTERNAL_ERROR] = STAT_EXIT_INTERNAL, [EXIT_INTR] = STAT_EXIT_INTR,
	};
	enum vcpu_stat s = v->exit.reason < EXIT_NR ? by_reason[v->exit.reason] : 0;

	v->stat[STAT_EXITS]++;
	v->stat[s ? s : STAT_EXIT_OTHER]++;
}

static void exit_to_user(struct vcpu *v)
{
	count_exit(v);
	if (v->exit.reason == EXIT_INTERNAL_ERROR)
		vm_log(v->vm, "cpu/%d: emulation failure at 0x%llx: %s", v->id,
		       (unsigned long long)v->exit.internal.addr, v->exit.internal.why);
	end_run(v, v->exit.reason == EXIT_SHUTDOWN ? VCPU_SHUTDOWN : VCPU_EXITED);
}

/* Before re-entering the guest after a device exit: hand the completion to the replay log. */
static void apply_completion(struct vcpu *v)
{
	struct vcpu_exit *e = &v->exit;
	struct io_replay *rp = &v->replay;

	if (rp->n && e->needs_completion && (e->reason == EXIT_IO || e->reason == EXIT_MMIO)) {
		unsigned size = e->reason == EXIT_IO ? e->io.size : e->mmio.len;
		uint64_t all = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
		uint64_t data = e->reason == EXIT_IO ? e->io.data : e->mmio.data;

		/* an unanswered read sees a floating bus, as on real hardware */
		rp->e[rp->n - 1].data = e->completed ? data : all;
	}
	rp->pos = 0;
	e->needs_completion = false;
}

/* What `step N` counts: instructions retired and interrupts taken, so that a
 * guest faulting in a loop without retiring anything still finishes a step. */
static uint64_t steps_of(const struct vcpu *v)
{
	return v->stat[STAT_INSNS] + v->stat[STAT_INTERRUPTS];
}

static enum run_result run_once(struct vcpu *v, uint64_t budget)
{
	uint64_t before = v->stat[STAT_INSNS], steps = steps_of(v);
	enum run_result r;

	v->replay_fresh = false;
	r = v->vm->arch->run(v, budget);
	if (v->mode == MODE_STEP) {
		uint64_t done = steps_of(v) - steps;
		v->step_left = done >= v->step_left ? 0 : v->step_left - done;
	}
	/* The instruction that exited has retired (or taken another path): forget its accesses. */
	if (v->replay.n && !v->replay_fresh && v->stat[STAT_INSNS] != before)
		v->replay.n = v->replay.pos = 0;
	return r;
}

/*
 * After the interpreter returns, and before the thread waits: did a slot's
 * file get truncated under a guest access (the SIGBUS handler raised this
 * vcpu's requests to get here) or anywhere else?  One load when nothing
 * happened.  Reporting it makes
 * every vcpu of the VM end its run; that holds each of them, this one too,
 * so its mutex is let go meanwhile (the guest is at a boundary).
 */
static void backing_check(struct vcpu *v)
{
	unsigned f = __atomic_load_n(&memslot_faults, __ATOMIC_SEQ_CST);

	if (memslot_fault_here) {
		memslot_fault_here = 0;
		__atomic_sub_fetch(&v->requests, 1, __ATOMIC_SEQ_CST);
	}
	if (f == v->faults_seen)
		return;
	v->faults_seen = f;
	if (!vm_report_lost(v->vm))
		return;
	pthread_mutex_unlock(&v->mu);
	vm_backing_lost(v->vm);
	pthread_mutex_lock(&v->mu);
}

/* The run ends at a slot whose file was truncated: the guest's memory is not what it was. */
static void exit_backing_lost(struct vcpu *v)
{
	v->backing_lost = false;
	vcpu_set_exit(v, EXIT_INTERNAL_ERROR);
	v->exit.internal.suberror = 1;
	v->exit.internal.addr = vcpu_pc(v);
	snprintf(v->exit.internal.why, sizeof(v->exit.internal.why), "backing file truncated");
	count_exit(v);
	end_run(v, VCPU_EXITED);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;

	memslot_fault_kick = &v->requests;
	pthread_mutex_lock(&v->mu);
	while (!v->quit) {
		enum run_result r;
		uint64_t budget;

		backing_check(v);	/* before waiting: a raise of requests of ours must go */
		if (v->ended.fn) {
			int err;
			struct run_done d = take_ended(v, &err);

			pthread_mutex_unlock(&v->mu);
			call_done(d, err);
			pthread_mutex_lock(&v->mu);
			continue;
		}
		if (__atomic_load_n(&v->requests, __ATOMIC_SEQ_CST) ||
		    (v->state != VCPU_RUNNING && v->state != VCPU_HALTED)) {
			pthread_cond_wait(&v->cond, &v->mu);
			continue;
		}
		if (v->backing_lost) {
			exit_backing_lost(v);
			continue;
		}
		if (v->stop_req) {
			vcpu_set_exit(v, EXIT_INTR);
			count_exit(v);
			end_run(v, VCPU_EXITED);
			continue;
		}
		if (v->state == VCPU_HALTED) {
			const struct arch_ops *a = v->vm->arch;
			uint64_t dl = v->halt_deadline_ns;

			if (!(a->irq_pending && a->irq_pending(v)) && (!dl || now_ns() < dl)) {
				if (dl) {
					struct timespec ts = { dl / 1000000000ull, dl % 1000000000ull };
					pthread_cond_timedwait(&v->cond, &v->mu, &ts);
				} else {
					pthread_cond_wait(&v->cond, &v->mu);
				}
				continue;
			}
			v->state = VCPU_RUNNING;
		}
		budget = v->mode == MODE_STEP ? v->step_left : UINT64_MAX;
		if (v->replay.n)
			budget = 1;	/* re-execute the exiting instruction alone */
		v->halt_deadline_ns = 0;
		r = run_once(v, budget);
		/* an exit the guest made stands; a lost backing ends the run at the top */
		backing_check(v);
		switch (r) {
		case RUN_EXIT:
			exit_to_user(v);
			break;
		case RUN_HALT:
			v->state = VCPU_HALTED;
			v->stat[STAT_HALTS]++;
			break;
		case RUN_DONE:
			if (v->mode == MODE_STEP && !v->step_left) {
				vcpu_set_exit(v, EXIT_DEBUG);
				v->exit.debug.kind = 0;
				v->exit.debug.pc = vcpu_pc(v);
				exit_to_user(v);
			}
			break;
		}
	}
	{
		int err;
		struct run_done d = take_ended(v, &err);

		pthread_mutex_unlock(&v->mu);
		call_done(d, err);
	}
	return NULL;
}

int vcpu_create(struct vm *vm, int id, struct vcpu **out)
{
	struct vcpu *v = calloc(1, sizeof(*v));
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	int r;

	if (!v)
		return -ENOMEM;
	v->vm = vm;
	v->id = id;
	v->faults_seen = __atomic_load_n(&memslot_faults, __ATOMIC_SEQ_CST);
	v->arch = calloc(1, vm->arch->vcpu_size ? vm->arch->vcpu_size : 1);
	if (!v->arch) {
		free(v);
		return -ENOMEM;
	}
	/* recursive: a holder may kick (hold again) a vcpu it already holds */
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&v->mu, &ma);
	pthread_mutexattr_destroy(&ma);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&v->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&v->wait_mu, NULL);
	pthread_cond_init(&v->wait_cond, NULL);
	r = vm->arch->vcpu_init ? vm->arch->vcpu_init(v) : 0;
	if (!r && vm->arch->vcpu_reset)
		vm->arch->vcpu_reset(v);
	if (!r)
		r = -pthread_create(&v->thread, NULL, vcpu_thread, v);
	if (r) {
		if (vm->arch->vcpu_destroy)
			vm->arch->vcpu_destroy(v);
		free(v->arch);
		free(v);
		return r;
	}
	*out = v;
	return 0;
}

/* Stop the thread; the struct stays until vcpu_free (open files may still refer to it). */
void vcpu_destroy(struct vcpu *v)
{
	struct run_done d;
	int err;

	vcpu_hold(v);
	v->quit = true;
	if (v->state == VCPU_RUNNING || v->state == VCPU_HALTED) {
		vcpu_set_exit(v, EXIT_INTR);
		end_run(v, VCPU_STOPPED);
	}
	d = take_ended(v, &err);
	vcpu_release(v);
	pthread_join(v->thread, NULL);
	call_done(d, err);
}

void vcpu_free(struct vcpu *v)
{
	if (v->vm->arch->vcpu_destroy)
		v->vm->arch->vcpu_destroy(v);
	pthread_mutex_destroy(&v->mu);
	pthread_cond_destroy(&v->cond);
	pthread_mutex_destroy(&v->wait_mu);
	pthread_cond_destroy(&v->wait_cond);
	free(v->arch);
	free(v);
}

/* Start a run; the caller holds v.  Returns 0 or -errno with `why`. */
static int begin_run(struct vcpu *v, enum run_mode mode, uint64_t steps, char *why, size_t whylen)
{
	if (v->quit) {
		snprintf(why, whylen, "the VM is being destroyed");
		return -ENOENT;
	}
	if (v->state == VCPU_RUNNING || v->state == VCPU_HALTED) {
		snprintf(why, whylen, "cpu %d is already running (stop it first)", v->id);
		return -EBUSY;
	}
	if (v->state == VCPU_SHUTDOWN) {
		snprintf(why, whylen, "cpu %d is shut down (%s); write reset to the VM's ctl", v->id,
			 exit_reason_name(v->exit.reason));
		return -EINVAL;
	}
	if (!v->vm->slots.n) {
		snprintf(why, whylen, "the VM has no memory: add a slot to memslots first");
		return -EINVAL;
	}
	apply_completion(v);
	v->state = VCPU_RUNNING;
	v->mode = mode;
	v->step_left = steps;
	v->stop_req = false;
	v->stat[STAT_RUNS]++;
	return 0;
}

int vcpu_run_async(struct vcpu *v, enum run_mode mode, uint64_t steps, const struct run_done *done,
		   char *why, size_t whylen)
{
	int r;

	vcpu_hold(v);
	r = begin_run(v, mode, steps, why, whylen);
	if (!r)
		v->done = *done;
	vcpu_release(v);
	return r;
}

int vcpu_run_begin(struct vcpu *v, enum run_mode mode, uint64_t steps, uint64_t *seq,
		   char *why, size_t whylen)
{
	int r;

	vcpu_hold(v);
	pthread_mutex_lock(&v->wait_mu);
	*seq = v->run_seq;
	pthread_mutex_unlock(&v->wait_mu);
	r = begin_run(v, mode, steps, why, whylen);
	vcpu_release(v);
	return r;
}

int vcpu_run_wait(struct vcpu *v, uint64_t seq, unsigned ms)
{
	struct timespec ts;
	int done;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&v->wait_mu);
	while (v->run_seq == seq && pthread_cond_timedwait(&v->wait_cond, &v->wait_mu, &ts) == 0)
		;
	done = v->run_seq != seq;
	pthread_mutex_unlock(&v->wait_mu);
	if (!done)
		return -ETIMEDOUT;
	/* the exit is stable until the next run; reading its reason needs no hold */
	return __atomic_load_n(&v->exit.reason, __ATOMIC_SEQ_CST) == EXIT_INTR ? -EINTR : 0;
}

int vcpu_run(struct vcpu *v, enum run_mode mode, uint64_t steps, char *why, size_t whylen)
{
	uint64_t seq;
	int r = vcpu_run_begin(v, mode, steps, &seq, why, whylen);

	if (r)
		return r;
	while ((r = vcpu_run_wait(v, seq, 1000)) == -ETIMEDOUT)
		;
	return r;
}

int vcpu_start(struct vcpu *v, char *why, size_t whylen)
{
	int r;

	vcpu_hold(v);
	r = begin_run(v, MODE_BACKGROUND, 0, why, whylen);
	vcpu_release(v);
	return r;
}

void vcpu_stop(struct vcpu *v)
{
	vcpu_hold(v);
	if (v->state == VCPU_RUNNING || v->state == VCPU_HALTED)
		v->stop_req = true;
	vcpu_release(v);
}

void vcpu_kick(struct vcpu *v)
{
	vcpu_hold(v);
	vcpu_release(v);
}

void vcpu_reset(struct vcpu *v)
{
	bool ended = false;
	struct run_done d;
	int err;

	vcpu_hold(v);
	if (v->state == VCPU_RUNNING || v->state == VCPU_HALTED) {
		/* the run it ends says so, as one ended by stop does: its write
		 * succeeds and `exit` keeps reason=intr until the next run */
		vcpu_set_exit(v, EXIT_INTR);
		count_exit(v);
		end_run(v, VCPU_STOPPED);
		ended = true;
	}
	if (v->vm->arch->vcpu_reset)
		v->vm->arch->vcpu_reset(v);
	if (!ended)
		vcpu_set_exit(v, EXIT_NONE);
	memset(&v->replay, 0, sizeof(v->replay));
	v->state = VCPU_STOPPED;
	d = take_ended(v, &err);
	vcpu_release(v);
	call_done(d, err);
}

/*
 * A guest write to a read-only slot is an MMIO exit, as in KVM; the owner
 * also sees it in `stats` (ro_writes) and in the log, at most one line a
 * second per VM, which counts the writes it did not log.
 */
static void note_ro_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val)
{
	struct vm *vm = v->vm;
	const struct memslot *s = memslots_find(&vm->slots, gpa);
	uint64_t sec = now_ns() / 1000000000ull, last;
	unsigned more;

	if (!s || !(s->flags & MEMSLOT_READONLY))
		return;
	v->stat[STAT_RO_WRITES]++;
	last = __atomic_load_n(&vm->ro_log_sec, __ATOMIC_SEQ_CST);
	if (sec == last || !__atomic_compare_exchange_n(&vm->ro_log_sec, &last, sec, false,
							 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		__atomic_add_fetch(&vm->ro_unlogged, 1, __ATOMIC_SEQ_CST);
		return;
	}
	more = __atomic_exchange_n(&vm->ro_unlogged, 0, __ATOMIC_SEQ_CST);
	vm_log(vm, "cpu/%d: guest write to read-only slot %u at 0x%llx len=%u data=0x%llx "
	       "(an mmio exit); %u more since the last such line", v->id, s->id,
	       (unsigned long long)gpa, size, (unsigned long long)val, more);
}

int vcpu_io(struct vcpu *v, int mmio, uint64_t addr, unsigned size, int write, uint64_t *val)
{
	struct io_replay *rp = &v->replay;
	const struct io_range *dev;
	struct vcpu_exit *e = &v->exit;

	if (rp->pos < rp->n) {
		typeof(rp->e[0]) *p = &rp->e[rp->pos];

		if (p->mmio == mmio && p->addr == addr && p->size == size && p->write == write) {
			rp->pos++;
			if (!write)
				*val = p->data;
			return 0;
		}
		rp->n = rp->pos = 0;	/* the instruction took another path */
	}
	dev = iobus_find(mmio ? &v->vm->mmio : &v->vm->pio, addr);
	if (dev && addr + size - dev->base <= dev->len) {
		if (write)
			dev->ops->write(dev->opaque, addr - dev->base, size, *val);
		else
			*val = dev->ops->read(dev->opaque, addr - dev->base, size);
		v->stat[mmio ? STAT_MMIO_INKERNEL : STAT_PIO_INKERNEL]++;
		return 0;
	}
	if (mmio && write)
		note_ro_write(v, addr, size, *val);
	if (rp->n == IO_REPLAY_MAX)
		rp->n = rp->pos = 0;
	rp->e[rp->n].mmio = mmio;
	rp->e[rp->n].write = write;
	rp->e[rp->n].size = size;
	rp->e[rp->n].addr = addr;
	rp->e[rp->n].data = write ? *val : 0;
	rp->pos = ++rp->n;
	v->replay_fresh = true;
	vcpu_set_exit(v, mmio ? EXIT_MMIO : EXIT_IO);
	if (mmio) {
		e->mmio.gpa = addr;
		e->mmio.len = size;
		e->mmio.write = write;
		e->mmio.data = write ? *val : 0;
	} else {
		e->io.dir_out = write;
		e->io.port = addr;
		e->io.size = size;
		e->io.count = 1;
		e->io.data = write ? *val : 0;
	}
	e->needs_completion = !write;
	return 1;
}
