/* FUSE low-level operations: path -> node -> one call into files.c or vmm/. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/uio.h>

#include "files.h"
#include "fs.h"

#define WRITE_MAX (64u << 10)	/* a command longer than this is refused */

struct fuse_session *vmmfs_session;

static double timeout_of(unsigned kind)
{
	/* sizes of these change under the kernel's feet */
	return kind == K_VM_CONSOLE || kind == K_VM_MEM ? 0.0 : 1.0;
}

void fs_forget_vm(const char *name)
{
	if (vmmfs_session)
		fuse_lowlevel_notify_inval_entry(vmmfs_session, FUSE_ROOT_ID, name, strlen(name));
}

struct lookup_arg {
	const char *name;
	struct node found;
};

static int match_child(const char *name, const struct node *child, void *arg)
{
	struct lookup_arg *a = arg;

	if (strcmp(name, a->name))
		return 0;
	a->found = *child;
	return 1;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct node dir = node_of(parent);
	struct lookup_arg a = { name, { 0, 0, K_NONE } };
	struct fuse_entry_param e;
	struct vm *vm, *cvm;
	struct vcpu *v;
	int r = node_resolve(&dir, &vm, &v);

	if (r)
		goto out;
	if (!node_is_dir(dir.kind)) {
		r = -ENOTDIR;
		goto out;
	}
	node_children(&dir, vm, match_child, &a);
	if (a.found.kind == K_NONE) {
		r = -ENOENT;
		goto out;
	}
	if ((r = node_resolve(&a.found, &cvm, &v)))
		goto out;
	memset(&e, 0, sizeof(e));
	e.ino = node_ino(a.found.vm_id, a.found.cpu, a.found.kind);
	e.attr_timeout = timeout_of(a.found.kind);
	e.entry_timeout = 1.0;
	node_attr(&a.found, cvm, &e.attr);
	if (cvm)
		vm_put(cvm);
out:
	if (vm)
		vm_put(vm);
	if (r)
		fuse_reply_err(req, -r);
	else
		fuse_reply_entry(req, &e);
}

static void op_getattr(fuse_ino_t ino, fuse_req_t req)
{
	struct node n = node_of(ino);
	struct vm *vm;
	struct vcpu *v;
	struct stat st;
	int r = node_resolve(&n, &vm, &v);

	if (r) {
		fuse_reply_err(req, -r);
		return;
	}
	node_attr(&n, vm, &st);
	if (vm)
		vm_put(vm);
	fuse_reply_attr(req, &st, timeout_of(n.kind));
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)fi;
	op_getattr(ino, req);
}

/* Truncation (`echo x > file` opens with O_TRUNC) means nothing here: accept and ignore. */
static void ll_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	(void)attr;
	(void)fi;
	if (to_set & ~(FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
		       FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	op_getattr(ino, req);
}

/*
 * A directory listing is made again for every readdir request, and VMs come
 * and go between two requests of one `ls`: so an entry's offset cookie must
 * name the entry, not its place in one rendering.  A VM's cookie is its id
 * (ids are never reused) above every fixed entry's, whose cookie is its
 * position; a listing is emitted in cookie order from the first cookie past
 * the request's offset.
 */
#define VM_COOKIE_BASE (1ll << 32)

struct dirent_rec {
	off_t cookie;
	fuse_ino_t ino;
	bool dir;
	char name[VM_NAME_MAX + 1];
};

struct dirlist {
	struct dirent_rec *e;
	size_t n, cap;
};

static int add_dirent(const char *name, const struct node *child, void *arg)
{
	struct dirlist *d = arg;
	struct dirent_rec *e;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct dirent_rec *p = realloc(d->e, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		d->e = p;
		d->cap = cap;
	}
	e = &d->e[d->n++];
	e->cookie = child->kind == K_VM && strcmp(name, ".") ? VM_COOKIE_BASE + (off_t)child->vm_id
							     : (off_t)d->n;
	e->ino = node_ino(child->vm_id, child->cpu, child->kind);
	e->dir = node_is_dir(child->kind);
	snprintf(e->name, sizeof(e->name), "%s", name);
	return 0;
}

static int by_cookie(const void *a, const void *b)
{
	const struct dirent_rec *x = a, *y = b;

	return x->cookie < y->cookie ? -1 : x->cookie > y->cookie;
}

static void ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct node n = node_of(ino);
	struct dirlist d = { NULL, 0, 0 };
	char *buf;
	size_t len = 0;
	struct vm *vm;
	struct vcpu *v;
	int r;

	(void)fi;
	if ((r = node_resolve(&n, &vm, &v))) {
		fuse_reply_err(req, -r);
		return;
	}
	r = add_dirent(".", &n, &d);
	if (!r)
		r = add_dirent("..", &(struct node){ 0, 0, K_ROOT }, &d);
	if (!r)
		r = node_children(&n, vm, add_dirent, &d);
	if (vm)
		vm_put(vm);
	buf = r < 0 ? NULL : malloc(size ? size : 1);
	if (r >= 0 && !buf)
		r = -ENOMEM;
	if (r < 0) {
		fuse_reply_err(req, -r);
		free(d.e);
		return;
	}
	qsort(d.e, d.n, sizeof(*d.e), by_cookie);
	for (size_t i = 0; i < d.n; i++) {
		struct stat st = { .st_ino = d.e[i].ino, .st_mode = d.e[i].dir ? S_IFDIR : S_IFREG };
		size_t need;

		if (d.e[i].cookie <= off)
			continue;
		need = fuse_add_direntry(req, NULL, 0, d.e[i].name, NULL, 0);
		if (len + need > size)
			break;
		fuse_add_direntry(req, buf + len, need, d.e[i].name, &st, d.e[i].cookie);
		len += need;
	}
	fuse_reply_buf(req, buf, len);
	free(buf);
	free(d.e);
}

static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ofile *open_files;

static void track(struct ofile *of)
{
	pthread_mutex_lock(&open_lock);
	of->next = open_files;
	if (open_files)
		open_files->prev = of;
	open_files = of;
	pthread_mutex_unlock(&open_lock);
}

static void ll_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct node n = node_of(ino);
	struct ofile *of;
	struct vm *vm;
	struct vcpu *v;
	int r = node_resolve(&n, &vm, &v);

	if (r) {
		fuse_reply_err(req, -r);
		return;
	}
	if (node_is_dir(n.kind)) {
		if (vm)
			vm_put(vm);
		fuse_reply_err(req, EISDIR);
		return;
	}
	of = calloc(1, sizeof(*of));
	if (!of) {
		if (vm)
			vm_put(vm);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	of->n = n;
	of->vm = vm;
	of->vcpu = v;
	pthread_mutex_init(&of->lock, NULL);
	buf_init(&of->snap);
	fi->fh = (uintptr_t)of;
	track(of);
	/* every file's content is made on demand: the page cache must not keep it */
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fuse_reply_open(req, fi);
}

static void ofile_free(struct ofile *of)
{
	pthread_mutex_lock(&open_lock);
	if (of->prev)
		of->prev->next = of->next;
	else
		open_files = of->next;
	if (of->next)
		of->next->prev = of->prev;
	pthread_mutex_unlock(&open_lock);
	if (of->n.kind == K_VM_CONSOLE)
		poll_forget(&of->vm->console);	/* no waiter may outlive the console */
	buf_free(&of->snap);
	pthread_mutex_destroy(&of->lock);
	if (of->vm)
		vm_put(of->vm);
	free(of);
}

static void ll_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	ofile_free((struct ofile *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

void fs_release_all(void)
{
	while (open_files)
		ofile_free(open_files);
}

/*
 * A reader that fell behind the kept window goes on from its oldest byte:
 * the skew maps this open file's offsets onto the stream from then on, so
 * `cat` reads exactly what is kept, once (stats counts what was dropped).
 */
static size_t read_console(struct ofile *of, uint64_t off, void *dst, size_t len)
{
	struct console *c = &of->vm->console;
	uint64_t pos = off + of->skew, oldest = console_dropped(c);	/* bytes dropped = the oldest kept offset */
	size_t n;

	if (pos < oldest) {
		of->skew += oldest - pos;
		pos = oldest;
	}
	n = console_read(c, pos, dst, len);
	of->read_off = pos + n;
	return n;
}

/*
 * Guest memory goes from the slots straight into the reply, no copy of ours:
 * the kernel copies it into the reader's pages.  fuse_reply_iov rather than
 * fuse_reply_data: the latter gathers a read that spans slots into a bounce
 * buffer first, and its splice path would only add a copy into the pipe.
 */
static ssize_t reply_mem(void *ctx, const struct iovec *iov, int n)
{
	ssize_t len = 0;
	int r;

	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	r = n ? fuse_reply_iov(ctx, iov, n) : fuse_reply_buf(ctx, NULL, 0);
	/* replied either way (a failed send means the reader is gone) */
	return r ? 0 : len;
}

static void read_raw(fuse_req_t req, struct ofile *of, size_t size, off_t off)
{
	char *p;
	ssize_t n;

	if (of->n.kind == K_VM_MEM) {
		n = vm_mem_read_with(of->vm, off, size, reply_mem, req);
		if (n == -EFAULT)	/* a hole: reply_mem was not called */
			fuse_reply_err(req, -n);
		return;
	}
	if (size > (1u << 20))
		size = 1u << 20;
	p = malloc(size ? size : 1);
	if (!p) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	n = read_console(of, off, p, size);
	fuse_reply_buf(req, p, n);
	free(p);
}

static void ll_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct ofile *of = (struct ofile *)(uintptr_t)fi->fh;
	char *slice = NULL;
	size_t n = 0;
	int err = 0;

	(void)ino;
	if (of->vm && of->vm->dead) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (of->n.kind == K_VM_MEM || of->n.kind == K_VM_CONSOLE) {
		read_raw(req, of, size, off);
		return;
	}
	pthread_mutex_lock(&of->lock);
	/* a read at offset 0 takes a new snapshot; later offsets slice it */
	if (off == 0 || !of->have_snap) {
		buf_reset(&of->snap);
		file_render(of, &of->snap);
		of->have_snap = true;
	}
	if (of->snap.oom) {
		err = ENOMEM;
	} else if ((size_t)off < of->snap.len) {
		n = of->snap.len - off < size ? of->snap.len - off : size;
		slice = malloc(n);
		if (slice)
			memcpy(slice, of->snap.p + off, n);
		else
			err = ENOMEM;
	}
	/* unlock before replying: once the reply is out, a close may free `of` */
	pthread_mutex_unlock(&of->lock);
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_buf(req, slice, n);
	free(slice);
}

static const char *file_name(const struct ofile *of)
{
	static const char *const names[] = {
		[K_ROOT_CTL] = "ctl", [K_VM_CTL] = "ctl", [K_VM_MEMSLOTS] = "memslots",
		[K_VM_CONSOLE] = "console", [K_CPU_CTL] = "cpu ctl", [K_CPU_EXIT] = "exit",
	};
	unsigned idx, base = node_base(of->n.kind, &idx);
	const struct arch_ops *a = of->vm ? of->vm->arch : NULL;

	if (base == K_STATE || base == K_VM_STATE)
		return a->state_files[idx]->file;
	if (base == K_VCPUFILE || base == K_VM_VCPUFILE)
		return a->vcpu_files[idx]->name;
	if (base == K_VMFILE)
		return a->vm_files[idx]->name;
	return of->n.kind < sizeof(names) / sizeof(names[0]) && names[of->n.kind] ?
		names[of->n.kind] : "file";
}

static void ll_write(fuse_req_t req, fuse_ino_t ino, const char *data, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct ofile *of = (struct ofile *)(uintptr_t)fi->fh;
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct wctx w = { req, of, file_name(of), ctx->uid, ctx->gid, ctx->pid, size };
	char *text;
	ssize_t n;
	int r;

	(void)ino;
	if (of->vm && of->vm->dead) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (of->n.kind == K_VM_MEM) {
		n = vm_mem_write(of->vm, off, data, size);
		if (n < 0)
			fuse_reply_err(req, -n);
		else
			fuse_reply_write(req, n);
		return;
	}
	if (of->n.kind == K_VM_CONSOLE) {
		vm_hold_all(of->vm);
		n = console_in_put(&of->vm->console, data, size);
		vm_release_all(of->vm);
		if (n == 0 && size) {
			refuse(&w, -EAGAIN, "input queue full (%u bytes): the guest is not reading",
			       CONSOLE_IN_MAX);
			fuse_reply_err(req, EAGAIN);
		} else {
			fuse_reply_write(req, n);
		}
		return;
	}
	if (size > WRITE_MAX) {
		refuse(&w, -E2BIG, "a write of %zu bytes; commands are at most %u", size, WRITE_MAX);
		fuse_reply_err(req, E2BIG);
		return;
	}
	text = malloc(size + 1);
	if (!text) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (text_from_write(data, size, text, size + 1)) {
		r = refuse(&w, -EINVAL, "the write contains a NUL byte; commands are text");
	} else {
		r = file_write(&w, text);
	}
	free(text);
	if (r == WRITE_DEFERRED)
		return;
	if (r)
		fuse_reply_err(req, -r);
	else
		fuse_reply_write(req, size);
}

static void ll_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	char why[256];
	struct vm *vm;
	int r;

	(void)mode;
	if (parent != FUSE_ROOT_ID) {
		fuse_reply_err(req, EPERM);
		return;
	}
	r = vm_create(name, ctx->uid, ctx->gid, NULL, &vm, why, sizeof(why));
	if (r) {
		vm_log(NULL, "mkdir %.64s: %s", name, why);
		fuse_reply_err(req, -r);
		return;
	}
	{
		struct fuse_entry_param e = { 0 };
		struct node n = { vm->id, 0, K_VM };

		e.ino = node_ino(vm->id, 0, K_VM);
		e.attr_timeout = 1.0;
		e.entry_timeout = 1.0;
		node_attr(&n, vm, &e.attr);
		vm_put(vm);
		fuse_reply_entry(req, &e);
	}
}

static void ll_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct vm *vm;

	if (parent != FUSE_ROOT_ID) {
		fuse_reply_err(req, EPERM);
		return;
	}
	vm = vm_lookup(name);
	if (!vm) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (ctx->uid != 0 && ctx->uid != vm->uid) {
		vm_log(NULL, "rmdir %s: the VM belongs to uid %u", name, (unsigned)vm->uid);
		vm_put(vm);
		fuse_reply_err(req, EACCES);
		return;
	}
	vm_destroy(vm);
	vm_put(vm);
	fuse_reply_err(req, 0);
}

/*
 * What the tree does not support is refused as sysfs and procfs refuse it,
 * with the VFS's answers for a directory that lacks the operation: creating
 * a file EACCES, mknod, symlink, link, unlink and rename EPERM.  One line
 * goes to the log of the VM the directory belongs to (the root's log for
 * the root).
 */
static void refuse_dirop(fuse_req_t req, fuse_ino_t parent, int err, const char *fmt, ...)
{
	struct node n = node_of(parent);
	struct vm *vm = NULL;
	struct vcpu *v;
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n.kind != K_ROOT)
		node_resolve(&n, &vm, &v);
	vm_log(vm, "%s", line);
	if (vm)
		vm_put(vm);
	fuse_reply_err(req, err);
}

#define FIXED_FILES "a VM's files are made by vmmfs"

static void ll_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	(void)mode;
	(void)fi;
	refuse_dirop(req, parent, EACCES, "create %.64s: %s; mkdir (or create on ctl) makes a VM",
		     name, FIXED_FILES);
}

static void ll_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	(void)mode;
	(void)rdev;
	refuse_dirop(req, parent, EPERM, "mknod %.64s: %s", name, FIXED_FILES);
}

static void ll_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	(void)link;
	refuse_dirop(req, parent, EPERM, "symlink %.64s: %s", name, FIXED_FILES);
}

static void ll_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	(void)ino;
	refuse_dirop(req, newparent, EPERM, "link %.64s: %s", newname, FIXED_FILES);
}

static void ll_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	refuse_dirop(req, parent, EPERM, "unlink %.64s: %s; rmdir removes a VM", name, FIXED_FILES);
}

/* Renaming a VM's directory in the root renames the VM; nothing else moves. */
static void ll_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		      const char *newname, unsigned int flags)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	char why[256];
	struct vm *vm;
	int r;

	if (parent != FUSE_ROOT_ID || newparent != FUSE_ROOT_ID ||
	    !(vm = vm_lookup(name))) {
		refuse_dirop(req, parent, EPERM, "rename %.64s: only a VM's directory can be renamed, "
			     "within the root", name);
		return;
	}
	if (flags & RENAME_EXCHANGE) {
		vm_log(NULL, "rename %s: exchanging two VMs' names is not supported", name);
		r = -EINVAL;
	} else if (ctx->uid != 0 && ctx->uid != vm->uid) {
		vm_log(NULL, "rename %s: the VM belongs to uid %u", name, (unsigned)vm->uid);
		r = -EACCES;
	} else if ((r = vm_rename(vm, newname, why, sizeof(why)))) {
		vm_log(NULL, "rename %s to %.64s: %s", name, newname, why);
	}
	vm_put(vm);
	fuse_reply_err(req, -r);
}

static void ll_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct node n = node_of(ino);
	struct vm *vm;
	struct vcpu *v;
	int r = node_resolve(&n, &vm, &v);

	if (vm)
		vm_put(vm);
	if (!r && !node_is_dir(n.kind))
		r = -ENOTDIR;
	if (r)
		fuse_reply_err(req, -r);
	else
		fuse_reply_open(req, fi);
}

/*
 * Big transfers: `mem` moves up to 1 MiB a request instead of 128 KiB.  This
 * is the most there is: libfuse's receive buffer holds 256 pages and the
 * kernel's fs.fuse.max_pages_limit is 256 by default; libfuse turns
 * max_write into the max_pages it asks for, and that bounds reads as well.
 * No splice: for direct I/O the kernel copies the writer's pages into the
 * pipe all the same (fuse_copy_page), and receiving through a pipe would
 * cost every small request a syscall more (and needs a pipe larger than
 * fs.pipe-max-size, 1 MiB, for 1 MiB requests).
 */
static void ll_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	conn->max_write = 1u << 20;
	conn->max_readahead = 1u << 20;
}

const struct fuse_lowlevel_ops vmmfs_ops = {
	.init = ll_init,
	.lookup = op_lookup,
	.getattr = ll_getattr,
	.setattr = ll_setattr,
	.opendir = ll_opendir,
	.readdir = ll_readdir,
	.open = ll_open,
	.release = ll_release,
	.read = ll_read,
	.write = ll_write,
	.mkdir = ll_mkdir,
	.rmdir = ll_rmdir,
	.create = ll_create,
	.mknod = ll_mknod,
	.symlink = ll_symlink,
	.link = ll_link,
	.unlink = ll_unlink,
	.rename = ll_rename,
	.poll = ll_poll,
};
