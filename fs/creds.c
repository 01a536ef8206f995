/*
 * Paths in writes (load PATH, file=PATH) are opened with the rights of the
 * process that wrote them, never the daemon's: the worker thread takes on
 * the caller's fsuid, fsgid and groups for the open, and a relative path is
 * resolved from the caller's working directory.  setfsuid/setfsgid and the
 * raw setgroups system call act on the calling thread only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "files.h"

#define GROUPS_MAX 64

static int become(uid_t uid, gid_t gid, const gid_t *groups, int ngroups)
{
	if (syscall(SYS_setgroups, ngroups, groups))
		return -errno;
	setfsgid(gid);
	setfsuid(uid);
	if ((uid_t)setfsuid(-1) != uid || (gid_t)setfsgid(-1) != gid)
		return -EPERM;
	return 0;
}

int open_as_caller(struct wctx *w, const char *path, int flags, char *why, size_t whylen)
{
	gid_t groups[GROUPS_MAX], saved[GROUPS_MAX];
	int ngroups, nsaved, fd, r;
	char full[4096];

	if (!w->req) {
		snprintf(why, whylen, "no caller to open files for");
		return -EACCES;
	}
	if (!*path) {
		snprintf(why, whylen, "empty path");
		return -EINVAL;
	}
	if (path[0] == '/')
		r = snprintf(full, sizeof(full), "%s", path);
	else
		r = snprintf(full, sizeof(full), "/proc/%d/cwd/%s", (int)w->pid, path);
	if (r >= (int)sizeof(full)) {
		snprintf(why, whylen, "path too long");
		return -ENAMETOOLONG;
	}
	if (geteuid() != 0) {
		/* an unprivileged daemon cannot take on another user's rights */
		if (w->uid != geteuid()) {
			snprintf(why, whylen, "the daemon is not root and cannot open files for uid %u",
				 (unsigned)w->uid);
			return -EACCES;
		}
		fd = open(full, flags | O_CLOEXEC);
		if (fd < 0) {
			r = -errno;
			snprintf(why, whylen, "%s", strerror(-r));
			return r;
		}
		return fd;
	}
	ngroups = fuse_req_getgroups(w->req, GROUPS_MAX, groups);
	if (ngroups < 0 || ngroups > GROUPS_MAX)
		ngroups = 0;
	nsaved = getgroups(GROUPS_MAX, saved);
	if (nsaved < 0)
		nsaved = 0;
	r = become(w->uid, w->gid, groups, ngroups);
	fd = r ? r : open(full, flags | O_CLOEXEC);
	if (fd < 0 && !r)
		r = -errno;
	become(0, 0, saved, nsaved);
	setfsuid(geteuid());
	setfsgid(getegid());
	if (fd < 0) {
		snprintf(why, whylen, "%s", strerror(-r));
		return r;
	}
	return fd;
}
