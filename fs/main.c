/*
 * vmmfs: a virtual machine monitor whose interface is a filesystem.
 *
 *   $ vmmfs /vms
 *   $ echo "create demo mem=16M" > /vms/ctl
 *   $ echo "load tests/guests/x86/demo.elf" > /vms/demo/ctl
 *   $ echo run > /vms/demo/cpu/0/ctl; cat /vms/demo/console
 *   $ fusermount3 -u /vms
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"
#include "vmm/text.h"
#include "vmm/vm.h"

/*
 * vmmfs's own -o options, one line each: NAME=VALUE options set a number
 * (with K/M/G/T for sizes) up to `max`.
 */
static const struct quota_opt {
	const char *name;
	uint64_t *val;
	uint64_t max;
	const char *help;
} quota_opts[] = {
	{ "max_vms_per_user", &user_quota.vms, VMS_MAX,
	  "VMs one user other than root may hold (default 64)" },
	{ "max_vcpus_per_user", &user_quota.vcpus, (uint64_t)VMS_MAX * VCPUS_MAX,
	  "vcpus one user other than root may hold (default 256)" },
	{ "max_mem_per_user", &user_quota.mem, UINT64_MAX,
	  "guest memory one user other than root may hold (default: the host's RAM)" },
	{ 0 }
};

/* One of quota_opts: 1 taken, -1 a bad value (said on stderr), 0 not ours. */
static int quota_opt_take(const char *arg)
{
	for (const struct quota_opt *o = quota_opts; o->name; o++) {
		size_t n = strlen(o->name);
		uint64_t v;

		if (strncmp(arg, o->name, n) || (arg[n] != '=' && arg[n] != 0))
			continue;
		if (arg[n] != '=' || parse_u64(arg + n + 1, &v) || v > o->max) {
			fprintf(stderr, "vmmfs: -o %s: want %s=N, N at most %llu\n", arg, o->name,
				(unsigned long long)o->max);
			return -1;
		}
		*o->val = v;
		return 1;
	}
	return 0;
}

static void usage(const char *prog)
{
	printf("usage: %s [SOURCE] MOUNTPOINT [options]\n\n"
	       "  -f              stay in the foreground\n"
	       "  -d              debug: foreground, and print every FUSE request\n"
	       "  -o allow_other  let other users reach their own VMs (needs root or user_allow_other)\n"
	       "  -o OPT,...      also the generic mount options mount(8) passes (rw, nosuid, noatime...)\n",
	       prog);
	for (const struct quota_opt *o = quota_opts; o->name; o++)
		printf("  -o %s=N\n                  %s\n", o->name, o->help);
	printf("  -h, --help      this text\n"
	       "  -V, --version   the version\n\n"
	       "SOURCE is what mount(8) passes first (mount -t fuse.vmmfs vmmfs MOUNTPOINT, or the\n"
	       "fstab line \"vmmfs /vms fuse.vmmfs allow_other 0 0\"); it names the mount.\n"
	       "The README describes the files; unmount with fusermount3 -u MOUNTPOINT.\n");
}

/*
 * The command line as mount.fuse3 hands it over from mount(8) or fstab,
 * `vmmfs SOURCE MOUNTPOINT -o rw,dev,suid,...`, as well as the plain
 * `vmmfs MOUNTPOINT [-o OPTS]`.  Options of our own are quota_opts[]; the
 * generic mount options are sorted by mount_opts[]; everything else is left
 * to libfuse, which names any option it does not know.
 */
struct cmdline {
	const char *pos[2];	/* [SOURCE] MOUNTPOINT */
	int npos;
};

static const struct fuse_opt vmmfs_opts[] = {
	FUSE_OPT_END
};

/*
 * Generic mount options.  mount(8) adds rw, dev and suid (or what fstab
 * says) to every mount, so they cannot be refused; those that shape the
 * mount itself go on to libfuse, which applies them.  Those that only
 * steer mount(8) or fstab (when to mount, who may) have been acted on
 * before the daemon starts and are dropped.  Those that contradict what
 * vmmfs is are refused, with the reason.
 */
enum mount_opt_use { MOPT_PASS, MOPT_DROP, MOPT_REFUSE };

static const struct mount_opt {
	const char *name;	/* the option; a trailing '=' matches any value */
	enum mount_opt_use use;
	const char *why;	/* for MOPT_REFUSE */
} mount_opts[] = {
	{ "rw", MOPT_PASS, NULL },
	{ "dev", MOPT_PASS, NULL },
	{ "nodev", MOPT_PASS, NULL },
	{ "suid", MOPT_PASS, NULL },
	{ "nosuid", MOPT_PASS, NULL },
	{ "exec", MOPT_PASS, NULL },
	{ "noexec", MOPT_PASS, NULL },
	{ "async", MOPT_PASS, NULL },
	{ "sync", MOPT_PASS, NULL },
	{ "dirsync", MOPT_PASS, NULL },
	{ "atime", MOPT_PASS, NULL },
	{ "noatime", MOPT_PASS, NULL },
	{ "diratime", MOPT_PASS, NULL },
	{ "nodiratime", MOPT_PASS, NULL },
	{ "relatime", MOPT_PASS, NULL },
	{ "norelatime", MOPT_PASS, NULL },
	{ "strictatime", MOPT_PASS, NULL },
	{ "nostrictatime", MOPT_PASS, NULL },
	{ "lazytime", MOPT_PASS, NULL },
	{ "nolazytime", MOPT_PASS, NULL },
	{ "allow_other", MOPT_PASS, NULL },
	{ "default_permissions", MOPT_DROP, NULL },	/* always on: see main() */
	{ "defaults", MOPT_DROP, NULL },
	{ "auto", MOPT_DROP, NULL },
	{ "noauto", MOPT_DROP, NULL },
	{ "nofail", MOPT_DROP, NULL },
	{ "_netdev", MOPT_DROP, NULL },
	{ "user", MOPT_DROP, NULL },
	{ "nouser", MOPT_DROP, NULL },
	{ "users", MOPT_DROP, NULL },
	{ "owner", MOPT_DROP, NULL },
	{ "group", MOPT_DROP, NULL },
	{ "x-", MOPT_DROP, NULL },		/* x-systemd.* and the like: for mount(8) */
	{ "comment=", MOPT_DROP, NULL },
	{ "ro", MOPT_REFUSE, "a read-only vmmfs could never create or run a VM" },
	{ "allow_root", MOPT_REFUSE, "use allow_other: every user reaches only their own VMs" },
	{ "uid=", MOPT_REFUSE, "a VM and its files belong to the user who created it" },
	{ "gid=", MOPT_REFUSE, "a VM and its files belong to the user who created it" },
	{ "umask=", MOPT_REFUSE, "the modes are fixed: a VM's directory is 0700" },
	{ "mand", MOPT_REFUSE, "vmmfs files have no locks" },
	{ "remount", MOPT_REFUSE, "a FUSE mount cannot be remounted; unmount and mount again" },
};

static const struct mount_opt *mount_opt_find(const char *arg)
{
	size_t i, n;

	for (i = 0; i < sizeof(mount_opts) / sizeof(mount_opts[0]); i++) {
		n = strlen(mount_opts[i].name);
		if (mount_opts[i].name[n - 1] == '=' || mount_opts[i].name[n - 1] == '-'
		    ? !strncmp(arg, mount_opts[i].name, n)
		    : !strcmp(arg, mount_opts[i].name))
			return &mount_opts[i];
	}
	return NULL;
}

/* fuse_opt_parse's callback: 1 keeps the argument for libfuse, 0 drops it. */
static int cmdline_arg(void *data, const char *arg, int key, struct fuse_args *out)
{
	struct cmdline *cl = data;
	const struct mount_opt *o;

	(void)out;
	if (key == FUSE_OPT_KEY_NONOPT) {
		if (cl->npos == 2) {
			fprintf(stderr, "vmmfs: one more argument than [SOURCE] MOUNTPOINT: '%s'\n", arg);
			return -1;
		}
		cl->pos[cl->npos++] = arg;
		return 0;
	}
	/* -f, -d and the like, for fuse_parse_cmdline */
	if (arg[0] == '-')
		return 1;
	switch (quota_opt_take(arg)) {
	case 1: return 0;
	case -1: return -1;
	}
	o = mount_opt_find(arg);
	if (!o)
		return 1;
	if (o->use == MOPT_REFUSE) {
		fprintf(stderr, "vmmfs: mount option '%s' refused: %s\n", arg, o->why);
		return -1;
	}
	return o->use == MOPT_PASS;
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts = { 0 };
	struct fuse_loop_config *cfg;
	struct fuse_session *se;
	struct cmdline cl = { { NULL, NULL }, 0 };
	char fsname[300];
	int r = 1;

	if (fuse_opt_parse(&args, &cl, vmmfs_opts, cmdline_arg))
		goto out_args;
	/* the mountpoint goes back for fuse_parse_cmdline; SOURCE names the mount */
	if (cl.npos && fuse_opt_add_arg(&args, cl.pos[cl.npos - 1]))
		goto out_args;
	if (fuse_parse_cmdline(&args, &opts))
		goto out_args;
	if (opts.show_help) {
		usage(argv[0]);
		r = 0;
		goto out_args;
	}
	if (opts.show_version) {
		printf("vmmfs 0.1.0\n");
		fuse_lowlevel_version();
		r = 0;
		goto out_args;
	}
	if (!opts.mountpoint) {
		usage(argv[0]);
		goto out_args;
	}
	/* the kernel checks owners and modes: a VM is its creator's (mode 0700);
	 * the mount shows as SOURCE, type fuse.vmmfs, as fstab names it */
	if (cl.npos == 2 && strpbrk(cl.pos[0], ",\\")) {
		fprintf(stderr, "vmmfs: SOURCE '%s' may not hold ',' or '\\'\n", cl.pos[0]);
		goto out_args;
	}
	snprintf(fsname, sizeof(fsname), "-odefault_permissions,fsname=%.256s,subtype=vmmfs",
		 cl.npos == 2 ? cl.pos[0] : "vmmfs");
	fuse_opt_add_arg(&args, fsname);
	se = fuse_session_new(&args, &vmmfs_ops, sizeof(vmmfs_ops), NULL);
	if (!se)
		goto out_args;
	/* a daemon started in the background by a script inherits SIGINT
	 * ignored; SIGINT and SIGTERM must unmount cleanly all the same */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (fuse_set_signal_handlers(se))
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint))
		goto out_signals;
	vmmfs_session = se;
	creds_init(opts.mountpoint);
	fuse_daemonize(opts.foreground);
	cfg = fuse_loop_cfg_create();
	/* a `run` holds no worker (it is answered when the guest exits), but a
	 * request may wait a moment for vcpus to reach an instruction boundary */
	fuse_loop_cfg_set_max_threads(cfg, 1024);
	fuse_loop_cfg_set_idle_threads(cfg, 16);
	r = fuse_session_loop_mt(se, cfg);
	/* ended by SIGTERM, SIGINT or SIGHUP: a clean shutdown */
	r = r == 0 || abs(r) == SIGTERM || abs(r) == SIGINT || abs(r) == SIGHUP ? 0 : 1;
	fuse_loop_cfg_destroy(cfg);
	vm_destroy_all();
	fs_release_all();
	vmmfs_session = NULL;
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
