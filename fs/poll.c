/*
 * poll() on a console: readable when output arrived past what this open
 * file has read.  Waiters are kept per console and woken when it grows.
 * An open file has at most one waiter: a poll that times out leaves its
 * handle behind, and the next poll of the same file replaces it, so polling
 * in a loop on a quiet console does not grow the list.
 */
#include <poll.h>
#include <stdlib.h>

#include "files.h"
#include "fs.h"

struct poller {
	struct console *con;
	const struct ofile *of;		/* who polled: one waiter per open file */
	struct fuse_pollhandle *ph;
	struct poller *next;
};

static pthread_mutex_t pollers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct poller *pollers;		/* under pollers_lock */
static unsigned npollers;		/* under pollers_lock; atomic reads */

unsigned poll_waiters(void)
{
	return __atomic_load_n(&npollers, __ATOMIC_SEQ_CST);
}

static void console_grew(struct console *c)
{
	struct poller **pp, *p, *wake = NULL;

	pthread_mutex_lock(&pollers_lock);
	for (pp = &pollers; (p = *pp);) {
		if (p->con == c) {
			*pp = p->next;
			p->next = wake;
			wake = p;
			npollers--;
		} else {
			pp = &p->next;
		}
	}
	pthread_mutex_unlock(&pollers_lock);
	while ((p = wake)) {
		wake = p->next;
		fuse_lowlevel_notify_poll(p->ph);
		fuse_pollhandle_destroy(p->ph);
		free(p);
	}
}

__attribute__((constructor)) static void hook(void)
{
	console_notify = console_grew;
}

/* Forget the waiters of a console about to go away. */
void poll_forget(struct console *c)
{
	console_grew(c);
}

void ll_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct fuse_pollhandle *ph)
{
	struct ofile *of = (struct ofile *)(uintptr_t)fi->fh;
	unsigned revents = POLLOUT | POLLWRNORM;
	struct poller *p;

	(void)ino;
	if (of->n.kind != K_VM_CONSOLE) {
		/* everything else is always ready, like a regular file */
		if (ph)
			fuse_pollhandle_destroy(ph);
		fuse_reply_poll(req, POLLIN | POLLRDNORM | revents);
		return;
	}
	if (console_size(&of->vm->console) > of->read_off) {
		if (ph)
			fuse_pollhandle_destroy(ph);
		fuse_reply_poll(req, POLLIN | POLLRDNORM | revents);
		return;
	}
	if (ph) {
		struct fuse_pollhandle *old = NULL;

		pthread_mutex_lock(&pollers_lock);
		for (p = pollers; p && p->of != of; p = p->next)
			;
		if (p) {
			old = p->ph;	/* the earlier poll of this file is over */
			p->ph = ph;
		} else if ((p = malloc(sizeof(*p)))) {
			p->con = &of->vm->console;
			p->of = of;
			p->ph = ph;
			p->next = pollers;
			pollers = p;
			npollers++;
		} else {
			old = ph;
		}
		pthread_mutex_unlock(&pollers_lock);
		if (old)
			fuse_pollhandle_destroy(old);
		if (p) {
			/* output may have arrived between the check and the queueing */
			if (console_size(&of->vm->console) > of->read_off)
				console_grew(&of->vm->console);
		}
	}
	fuse_reply_poll(req, revents);
}
