/*
 * Paths in writes (load PATH, file=PATH) are opened with the rights of the
 * process that wrote them, never the daemon's: the worker thread takes on
 * the caller's fsuid, fsgid and all of its groups for the open, and a
 * relative path is resolved from the caller's working directory.
 * setfsuid/setfsgid and the raw setgroups system call act on the calling
 * thread only.
 *
 * Taking on the caller's rights is not enough by itself: /proc's magic
 * links (/proc/PID/fd/N, /proc/PID/cwd, /proc/PID/root) are resolved by
 * the kernel after a ptrace-style check of the opener, and the daemon would
 * pass it for its own fds (/proc/self/fd/N) and, with CAP_SYS_PTRACE, for
 * anyone's.  So the path itself is resolved with RESOLVE_NO_MAGICLINKS, the
 * caller's working directory (itself a magic link) is opened with the
 * caller's fs credentials and without CAP_SYS_PTRACE in the effective set
 * (creds_init drops it), and the daemon keeps only the capabilities it uses.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "files.h"
#include "fs.h"

/* The device of our own mount: a file on it cannot back a slot or be loaded. */
static dev_t mount_dev;
static bool have_mount_dev;

/*
 * What the daemon keeps: SETUID and SETGID to take on a caller's fs
 * credentials, the file capabilities that come back with fsuid 0 (for
 * root's own opens), SYS_ADMIN to unmount, and SYS_PTRACE only in the
 * permitted set: raised for the moment of opening a root caller's working
 * directory (the kernel checks the opener against the target's
 * capabilities).  Everything else leaves the bounding set too, so nothing
 * the daemon runs can get it back.
 */
static const int caps_kept[] = {
	CAP_SETUID, CAP_SETGID, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER,
	CAP_SYS_ADMIN, CAP_SYS_PTRACE,
};

static int caps_set(uint32_t effective[2], uint32_t permitted[2])
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	for (int i = 0; i < 2; i++) {
		d[i].effective = effective[i];
		d[i].permitted = permitted[i];
		d[i].inheritable = 0;
	}
	return syscall(SYS_capset, &h, d);
}

static uint32_t kept[2];
static bool caps_dropped;

/* This thread's effective set: what is kept, with or without SYS_PTRACE. */
static void ptrace_cap(int on)
{
	uint32_t eff[2] = { kept[0], kept[1] };

	if (!caps_dropped)	/* a daemon that never dropped any (no creds_init) */
		return;
	if (!on)
		eff[CAP_TO_INDEX(CAP_SYS_PTRACE)] &= ~CAP_TO_MASK(CAP_SYS_PTRACE);
	caps_set(eff, kept);
}

/* Unescape a mountinfo field (octal \040 for a space) in place. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] && s[3]) {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

/* From the mount table rather than stat(2): a stat of our own mount before
 * the session loop runs would wait for an answer from ourselves. */
static void find_mount_dev(const char *mountpoint)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned maj, min;
		char mnt[4096];

		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min, mnt) != 3)
			continue;
		unescape(mnt);
		if (!strcmp(mnt, mountpoint) && strstr(line, " - fuse")) {
			mount_dev = makedev(maj, min);	/* the last one is on top */
			have_mount_dev = true;
		}
	}
	fclose(f);
}

void creds_init(const char *mountpoint)
{
	uint32_t eff[2];

	find_mount_dev(mountpoint);
	if (geteuid() != 0)
		return;
	for (unsigned i = 0; i < sizeof(caps_kept) / sizeof(caps_kept[0]); i++)
		kept[CAP_TO_INDEX(caps_kept[i])] |= CAP_TO_MASK(caps_kept[i]);
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		if (!(kept[CAP_TO_INDEX(c)] & CAP_TO_MASK(c)))
			prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
	/* before any other thread exists: they all inherit this */
	eff[0] = kept[0];
	eff[1] = kept[1];
	eff[CAP_TO_INDEX(CAP_SYS_PTRACE)] &= ~CAP_TO_MASK(CAP_SYS_PTRACE);
	if (caps_set(eff, kept))
		fprintf(stderr, "vmmfs: cannot drop capabilities: %s\n", strerror(errno));
	else
		caps_dropped = true;
}

/* The caller's supplementary groups, all of them; NULL with *n = 0 if unknown. */
static gid_t *caller_groups(fuse_req_t req, int *n)
{
	gid_t *g = NULL;
	int want = fuse_req_getgroups(req, 0, NULL);

	/* the list can grow between the calls: until it fits */
	while (want > 0) {
		gid_t *t = realloc(g, want * sizeof(gid_t));
		int got;

		if (!t)
			break;
		g = t;
		got = fuse_req_getgroups(req, want, g);
		if (got >= 0 && got <= want) {
			*n = got;
			return g;
		}
		want = got;
	}
	free(g);
	*n = 0;
	return NULL;
}

static gid_t *own_groups(int *n)
{
	int want = getgroups(0, NULL);
	gid_t *g = malloc((want > 0 ? want : 1) * sizeof(gid_t));

	*n = g && want > 0 ? getgroups(want, g) : 0;
	if (*n < 0)
		*n = 0;
	return g;
}

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

/*
 * Resolve path from dirfd without following /proc magic links; nonblocking,
 * so that a FIFO cannot hold the thread in open.  Kernels before 5.6 have
 * no openat2: there the dropped CAP_SYS_PTRACE still keeps other users'
 * /proc/PID/ links closed, but not the daemon's own /proc/self/fd.
 */
static int open_path(int dirfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC | O_NONBLOCK | O_NOCTTY,
		.resolve = RESOLVE_NO_MAGICLINKS,
	};
	int fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));

	if (fd < 0 && errno == ENOSYS)
		fd = openat(dirfd, path, how.flags);
	return fd < 0 ? -errno : fd;
}

/* The open itself, with the rights already taken on. */
static int open_for(struct wctx *w, const char *path, int flags, char *why, size_t whylen)
{
	char cwd[64];
	int dirfd = AT_FDCWD, fd;

	if (path[0] != '/') {
		snprintf(cwd, sizeof(cwd), "/proc/%d/cwd", (int)w->pid);
		/* the one magic link followed: the caller's own, checked against
		 * the caller's fs credentials (root's needs CAP_SYS_PTRACE) */
		if (w->uid == 0)
			ptrace_cap(1);
		dirfd = open(cwd, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (w->uid == 0)
			ptrace_cap(0);
		if (dirfd < 0) {
			fd = -errno;
			snprintf(why, whylen, "cannot reach the writer's working directory: %s",
				 strerror(-fd));
			return fd == -EPERM ? -EACCES : fd;
		}
	}
	fd = open_path(dirfd, path, flags);
	if (dirfd >= 0)
		close(dirfd);
	if (fd == -ELOOP) {
		snprintf(why, whylen, "the path goes through a /proc magic link (fd/, cwd, root, exe: "
			 "not followed) or too many symbolic links");
		return -EACCES;
	}
	if (fd == -EISDIR) {
		snprintf(why, whylen, "a directory, not a regular file");
		return -EINVAL;
	}
	if (fd < 0)
		snprintf(why, whylen, "%s", strerror(-fd));
	return fd;
}

/* Only regular files, and none of our own: a slot backed by vmmfs itself
 * (or loading from it) would wait on the daemon from inside the daemon. */
static int check_opened(int fd, char *why, size_t whylen)
{
	struct stat st;

	if (fstat(fd, &st)) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "not a regular file (%s)",
			 S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISDIR(st.st_mode) ? "a directory" :
			 S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" :
			 S_ISSOCK(st.st_mode) ? "a socket" : "not a file");
		return -EINVAL;
	}
	if (have_mount_dev && st.st_dev == mount_dev) {
		snprintf(why, whylen, "a file of this vmmfs mount; guest memory and images must "
			 "come from elsewhere");
		return -EINVAL;
	}
	return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) ? -errno : 0;
}

int open_as_caller(struct wctx *w, const char *path, int flags, char *why, size_t whylen)
{
	gid_t *groups = NULL, *saved = NULL;
	int ngroups, nsaved, fd, r;

	if (!w->req) {
		snprintf(why, whylen, "no caller to open files for");
		return -EACCES;
	}
	if (!*path) {
		snprintf(why, whylen, "empty path");
		return -EINVAL;
	}
	if (strlen(path) >= PATH_MAX) {
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
		fd = open_for(w, path, flags, why, whylen);
	} else {
		groups = caller_groups(w->req, &ngroups);
		saved = own_groups(&nsaved);
		r = become(w->uid, w->gid, groups, ngroups);
		if (r)
			snprintf(why, whylen, "cannot take on uid %u's rights: %s", (unsigned)w->uid,
				 strerror(-r));
		fd = r ? r : open_for(w, path, flags, why, whylen);
		become(0, 0, saved, nsaved);
		setfsuid(geteuid());
		setfsgid(getegid());
		free(groups);
		free(saved);
	}
	if (fd >= 0 && (r = check_opened(fd, why, whylen))) {
		close(fd);
		fd = r;
	}
	return fd;
}
