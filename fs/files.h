/* What each file does on read and write.  ops.c routes FUSE requests here. */
#ifndef FS_FILES_H
#define FS_FILES_H

#include "node.h"
#include "vmm/text.h"

struct ofile {
	struct node n;
	struct vm *vm;			/* referenced; NULL for the root's files */
	struct vcpu *vcpu;
	pthread_mutex_t lock;		/* one reader renders the snapshot at a time */
	struct buf snap;
	bool have_snap;
	uint64_t read_off;		/* console: where the last read ended (poll) */
	uint64_t skew;			/* console: stream offset minus file offset */
	struct ofile *prev, *next;	/* all open files, for shutdown */
};

/* A write being served, and who wrote it. */
struct wctx {
	fuse_req_t req;			/* NULL when not from FUSE (the fuzz harness) */
	struct ofile *of;
	const char *file;		/* the file's name, for log lines */
	uid_t uid;
	gid_t gid;
	pid_t pid;
	size_t size;			/* the write's length */
};

/* file_write's answer when the request will be answered later (a `run`). */
#define WRITE_DEFERRED 1

/* Render the file's snapshot. */
void file_render(struct ofile *of, struct buf *out);
/* Serve a write of text; returns 0 or -errno, having logged why. */
int file_write(struct wctx *w, char *text);

/* A table of verbs for ctl-like files. */
struct verb {
	const char *name;
	int min_args, max_args;		/* after the verb; -1 = any */
	int (*fn)(struct wctx *, struct kvlist *);
	const char *usage;
};
int verb_dispatch(struct wctx *w, const struct verb *verbs, char *text);
/* The same, with a `REST_KEY=` token taking the rest of the line (kv_split_rest). */
int verb_dispatch_rest(struct wctx *w, const struct verb *verbs, char *text, const char *rest_key);

/* Log a refusal (to the VM's log, or the global one) and return err. */
int refuse(struct wctx *w, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Per-kind handlers. */
void root_render(struct ofile *of, struct buf *out);
int root_write(struct wctx *w, char *text);
void vm_file_render(struct ofile *of, struct buf *out);
int vm_file_write(struct wctx *w, char *text);
void cpu_file_render(struct ofile *of, struct buf *out);
int cpu_file_write(struct wctx *w, char *text);
void state_render(struct vcpu *v, const struct state_desc *d, struct buf *out);
int state_write(struct wctx *w, struct vcpu *v, const struct state_desc *d, char *text);

/* Open PATH with the rights of the process that made the request. */
int open_as_caller(struct wctx *w, const char *path, int flags, char *why, size_t whylen);

/* file_cpu.c: `run` requests not answered yet (they wait for their guest) */
unsigned fs_runs_pending(void);

/* poll.c */
void ll_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct fuse_pollhandle *ph);
void poll_forget(struct console *c);
unsigned poll_waiters(void);		/* waiting poll handles, all consoles */

#endif
