/*
 * nullfs: the bare-FUSE floor for the control-plane benchmark.  One file,
 * `f`, opened with direct_io like every vmmfs file; a read returns a fixed
 * register-file-sized text, a write is accepted and dropped.  It runs the
 * same low-level API, protocol version and multithreaded loop as vmmfs, so
 * an operation on it costs what FUSE itself costs and nothing else.
 *
 *   $ nullfs MNT -f &
 *   $ cat MNT/f
 *   rax=0x0000000000000000 ...
 *   $ echo run > MNT/f
 *   $ fusermount3 -u MNT
 */
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_INO 2

static char content[1024];
static size_t content_len;

static void stat_of(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = getuid();
	st->st_gid = getgid();
	if (ino == FUSE_ROOT_ID) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | 0644;
		st->st_nlink = 1;
		st->st_size = content_len;
	}
}

static void nl_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e = { .ino = FILE_INO, .attr_timeout = 1, .entry_timeout = 1 };

	if (parent != FUSE_ROOT_ID || strcmp(name, "f")) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	stat_of(FILE_INO, &e.attr);
	fuse_reply_entry(req, &e);
}

static void nl_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	stat_of(ino, &st);
	fuse_reply_attr(req, &st, 1);
}

static void nl_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	(void)attr;
	(void)to_set;
	nl_getattr(req, ino, fi);
}

static void nl_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino != FILE_INO) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fuse_reply_open(req, fi);
}

static void nl_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	if ((size_t)off >= content_len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, content + off, content_len - off < size ? content_len - off : size);
}

static void nl_write(fuse_req_t req, fuse_ino_t ino, const char *data, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	(void)ino;
	(void)data;
	(void)off;
	(void)fi;
	fuse_reply_write(req, size);
}

static const struct fuse_lowlevel_ops nullfs_ops = {
	.lookup = nl_lookup,
	.getattr = nl_getattr,
	.setattr = nl_setattr,
	.open = nl_open,
	.read = nl_read,
	.write = nl_write,
};

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse_loop_config *cfg;
	struct fuse_session *se;
	int r = 1;

	/* as many bytes as an x86 regs file: 18 lines of name=0x + 16 digits */
	for (int i = 0; i < 18; i++)
		content_len += sprintf(content + content_len, "r%02d=0x%016x\n", i, 0);
	if (fuse_parse_cmdline(&args, &opts) || !opts.mountpoint) {
		fprintf(stderr, "usage: %s MOUNTPOINT [-f]\n", argv[0]);
		return 1;
	}
	se = fuse_session_new(&args, &nullfs_ops, sizeof(nullfs_ops), NULL);
	if (!se)
		goto out_args;
	if (fuse_set_signal_handlers(se))
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint))
		goto out_signals;
	fuse_daemonize(opts.foreground);
	/* the loop vmmfs runs (fs/main.c), so the floor is like for like */
	cfg = fuse_loop_cfg_create();
	fuse_loop_cfg_set_max_threads(cfg, 1024);
	fuse_loop_cfg_set_idle_threads(cfg, 16);
	r = fuse_session_loop_mt(se, cfg) ? 1 : 0;
	fuse_loop_cfg_destroy(cfg);
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_args:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return r;
}
