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
 * (with K/M/G/T for sizes) up to `max`.  Whatever is not in this table goes
 * on to libfuse (allow_other, ...).
 */
static const struct mount_opt {
	const char *name;
	uint64_t *val;
	uint64_t max;
	const char *help;
} mount_opts[] = {
	{ "max_vms_per_user", &user_quota.vms, VMS_MAX,
	  "VMs one user other than root may hold (default 64)" },
	{ "max_vcpus_per_user", &user_quota.vcpus, (uint64_t)VMS_MAX * VCPUS_MAX,
	  "vcpus one user other than root may hold (default 256)" },
	{ "max_mem_per_user", &user_quota.mem, UINT64_MAX,
	  "guest memory one user other than root may hold (default: the host's RAM)" },
	{ 0 }
};

/* fuse_opt_parse's callback: take our options out of the FUSE arguments. */
static int take_opt(void *data, const char *arg, int key, struct fuse_args *out)
{
	int *bad = data;

	(void)out;
	if (key != FUSE_OPT_KEY_OPT)
		return 1;
	for (const struct mount_opt *o = mount_opts; o->name; o++) {
		size_t n = strlen(o->name);
		uint64_t v;

		if (strncmp(arg, o->name, n) || (arg[n] != '=' && arg[n] != 0))
			continue;
		if (arg[n] != '=' || parse_u64(arg + n + 1, &v) || v > o->max) {
			fprintf(stderr, "vmmfs: -o %s: want %s=N, N at most %llu\n", arg, o->name,
				(unsigned long long)o->max);
			*bad = 1;
		} else {
			*o->val = v;
		}
		return 0;
	}
	return 1;
}

static void usage(const char *prog)
{
	printf("usage: %s MOUNTPOINT [options]\n\n"
	       "  -f              stay in the foreground\n"
	       "  -d              debug: foreground, and print every FUSE request\n"
	       "  -o allow_other  let other users reach their own VMs (needs root or user_allow_other)\n",
	       prog);
	for (const struct mount_opt *o = mount_opts; o->name; o++)
		printf("  -o %s=N\n                  %s\n", o->name, o->help);
	printf("  -h, --help      this text\n"
	       "  -V, --version   the version\n\n"
	       "The README describes the files; unmount with fusermount3 -u MOUNTPOINT.\n");
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse_loop_config *cfg;
	struct fuse_session *se;
	int r = 1, bad = 0;

	if (fuse_opt_parse(&args, &bad, NULL, take_opt) || bad) {
		fuse_opt_free_args(&args);
		return 1;
	}
	if (fuse_parse_cmdline(&args, &opts))
		return 1;
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
	/* the kernel checks owners and modes: a VM is its creator's (mode 0700) */
	fuse_opt_add_arg(&args, "-odefault_permissions,fsname=vmmfs,subtype=vmmfs");
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
