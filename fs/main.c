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
#include "vmm/vm.h"

static void usage(const char *prog)
{
	printf("usage: %s MOUNTPOINT [options]\n\n"
	       "  -f              stay in the foreground\n"
	       "  -d              debug: foreground, and print every FUSE request\n"
	       "  -o allow_other  let other users reach their own VMs (needs root or user_allow_other)\n"
	       "  -h, --help      this text\n"
	       "  -V, --version   the version\n\n"
	       "The README describes the files; unmount with fusermount3 -u MOUNTPOINT.\n", prog);
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse_loop_config *cfg;
	struct fuse_session *se;
	int r = 1;

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
	creds_init(opts.mountpoint);
	fuse_daemonize(opts.foreground);
	cfg = fuse_loop_cfg_create();
	/* a `run` blocks its worker until the guest exits: allow many at once */
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
