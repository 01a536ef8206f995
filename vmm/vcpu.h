/*
 * A vcpu: one thread that owns the CPU state and runs the interpreter.
 *
 * Every other thread reaches the state through vcpu_hold()/vcpu_release():
 * hold raises vcpu->requests, which makes the interpreter return at its next
 * instruction boundary, then takes the vcpu's mutex.  The vcpu thread never
 * runs guest code while requests is nonzero, so what a holder reads or
 * writes is a consistent snapshot at an instruction boundary.
 */
#ifndef VMM_VCPU_H
#define VMM_VCPU_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "exit.h"

enum vcpu_stat {
#define X(e, s) STAT_##e,
#include "stats.inc"
#undef X
	STAT_NR
};

enum vcpu_state {
	VCPU_STOPPED,	/* not running; nothing pending */
	VCPU_RUNNING,
	VCPU_EXITED,	/* stopped at an exit that userspace should look at */
	VCPU_HALTED,	/* waiting for an interrupt (in the background) */
	VCPU_SHUTDOWN,	/* triple fault or similar: needs reset */
};

/* How a run was asked for. */
enum run_mode {
	MODE_NONE,
	MODE_FOREGROUND,	/* a `run` write waits for the next exit */
	MODE_STEP,		/* `step N`: N instructions, then an exit */
	MODE_BACKGROUND,	/* `start`: run until stopped; park on exits */
};

/*
 * Device accesses of the instruction being re-executed after an exit.  The
 * interpreter does not retire an instruction that exits; on the next run it
 * executes it again and its accesses are answered from here, in order.
 */
#define IO_REPLAY_MAX 4
struct io_replay {
	int n, pos;
	struct {
		uint8_t mmio, write, size;
		uint64_t addr, data;
	} e[IO_REPLAY_MAX];
};

struct vm;

/*
 * Who to tell when a run ends, for a caller that does not wait for it (a
 * FUSE `run` request answered later).  fn is called exactly once per run
 * that was begun with it, with 0 or -EINTR (reason=intr), from whichever
 * thread ended the run (the vcpu's, or one destroying or resetting the
 * vcpu), and never with v->mu held: fn may take locks of its own that are
 * also held while calling into the vcpu (libfuse holds a request's lock
 * while it runs the interrupt callback, which stops the vcpu).
 */
struct run_done {
	void (*fn)(void *ctx, int err);
	void *ctx;
};

struct vcpu {
	struct vm *vm;
	int id;
	void *arch;			/* the arch's vcpu state, arch_ops.vcpu_size bytes */

	/* Nonzero: return to the run loop at the next instruction boundary. */
	unsigned requests;		/* accessed atomically */

	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cond;		/* state changes, releases */
	enum vcpu_state state;
	enum run_mode mode;
	uint64_t step_left;
	bool stop_req, quit;
	pthread_mutex_t wait_mu;	/* run_seq: a `run` waits here, not on mu */
	pthread_cond_t wait_cond;
	uint64_t run_seq;		/* bumped when a run ends (waiters compare) */
	uint64_t halt_deadline_ns;	/* RUN_HALT: CLOCK_MONOTONIC wake-up, 0 = none */
	/* Under mu: `done` belongs to the run in progress; end_run moves it to
	 * `ended`, from where the thread that ended the run takes it in the same
	 * hold and calls it after unlocking (take_ended in vcpu.c). */
	struct run_done done, ended;
	int ended_err;

	struct vcpu_exit exit;
	struct io_replay replay;
	bool replay_fresh;		/* vcpu_io added an access during this run */
	bool backing_lost;		/* a slot lost its file: end the run (internal_error) */
	unsigned faults_seen;		/* memslot_faults when this vcpu last looked */

	uint64_t stat[STAT_NR];
	uint64_t astat[ARCH_STATS_MAX];
};

static inline bool vcpu_should_return(const struct vcpu *v)
{
	return __atomic_load_n(&v->requests, __ATOMIC_RELAXED) != 0;
}

int vcpu_create(struct vm *vm, int id, struct vcpu **out);
void vcpu_destroy(struct vcpu *v);	/* ends the thread */
void vcpu_free(struct vcpu *v);

void vcpu_hold(struct vcpu *v);
void vcpu_release(struct vcpu *v);

/*
 * Run control, called by fs/.  vcpu_run blocks until the next exit
 * (0; the exit is in v->exit) or until interrupted (-EINTR, reason=intr).
 */
int vcpu_run(struct vcpu *v, enum run_mode mode, uint64_t steps, char *why, size_t whylen);
/* The same in two halves, for callers that must watch something else while
 * they wait: vcpu_run_wait returns -ETIMEDOUT after `ms`, else as vcpu_run. */
int vcpu_run_begin(struct vcpu *v, enum run_mode mode, uint64_t steps, uint64_t *seq,
		   char *why, size_t whylen);
int vcpu_run_wait(struct vcpu *v, uint64_t seq, unsigned ms);
/* Start a run and return at once; done->fn is told how it ended (see struct run_done). */
int vcpu_run_async(struct vcpu *v, enum run_mode mode, uint64_t steps, const struct run_done *done,
		   char *why, size_t whylen);
int vcpu_start(struct vcpu *v, char *why, size_t whylen);
void vcpu_stop(struct vcpu *v);
void vcpu_reset(struct vcpu *v);
/* Wake a halted vcpu because an interrupt may now be deliverable. */
void vcpu_kick(struct vcpu *v);

const char *vcpu_state_name(enum vcpu_state s);

/*
 * A device access from the interpreter.  Returns 0 when done (for a read,
 * *val holds the data), or 1 when userspace must handle it: vcpu->exit is
 * filled, and the interpreter must return RUN_EXIT without retiring the
 * instruction (and without delivering interrupts before re-executing it).
 */
int vcpu_io(struct vcpu *v, int mmio, uint64_t addr, unsigned size, int write, uint64_t *val);

/* Record an exit that is not a device access (hlt, shutdown, system_event ...). */
void vcpu_set_exit(struct vcpu *v, enum exit_reason r);

#endif
