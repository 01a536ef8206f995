/*
 * ppc440 guests through the vmm API (no FUSE): each guest in
 * tests/guests/ppc runs until it resets the core through DBCR0, and its
 * console must equal its .expect file (the output of the same ELF under
 * qemu-system-ppc -M bamboo, kept by tests/diff_ppc.sh; tlbivax.expect and
 * debug.expect are written by hand, QEMU's 440 lacks tlbivax and debug
 * events) or, for the compute
 * guest, the output of the same C compiled for the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "vmm/text.h"
#include "vmm/vm.h"

#define DIR "tests/guests/ppc/"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = calloc(1, n + 1);
	if (fread(s, 1, n, f) != (size_t)n)
		n = 0;
	s[n] = 0;
	fclose(f);
	return s;
}

static char *run_cmd(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	static char out[1 << 16];
	size_t n;

	if (!p)
		return NULL;
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	pclose(p);
	return out;
}

struct result {
	char console[1 << 16];
	struct vcpu_exit exit;
	uint64_t insns;
	double secs;
	uint64_t astat[ARCH_STATS_MAX];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run a guest until it exits with something other than MMIO; returns the VM for more checks. */
static struct vm *run_guest(const char *name, const char *elf, struct result *res)
{
	char opts_s[] = "arch=ppc440 mem=128M", why[256] = "";
	struct kvlist opts, args = { 0 };
	struct vm *vm = NULL;
	int fd, r, rounds = 0;
	double t0;

	memset(res, 0, sizeof(*res));
	kv_split(opts_s, &opts);
	if ((r = vm_create(name, getuid(), getgid(), &opts, &vm, why, sizeof(why)))) {
		printf("# create: %s\n", why);
		return NULL;
	}
	fd = open(elf, O_RDONLY);
	if (fd < 0 || vm_load(vm, fd, elf, &args)) {
		printf("# cannot load %s\n", elf);
		if (fd >= 0)
			close(fd);
		return vm;
	}
	close(fd);
	t0 = now();
	do {
		r = vcpu_run(vm->vcpu[0], MODE_FOREGROUND, 0, why, sizeof(why));
	} while (!r && vm->vcpu[0]->exit.reason == EXIT_MMIO && ++rounds < 1000);
	res->secs = now() - t0;
	res->exit = vm->vcpu[0]->exit;
	res->insns = vm->vcpu[0]->stat[STAT_INSNS];
	memcpy(res->astat, vm->vcpu[0]->astat, sizeof(res->astat));
	console_read(&vm->console, 0, res->console, sizeof(res->console) - 1);
	if (r)
		printf("# run: %s\n", why);
	return vm;
}

static void done(struct vm *vm)
{
	if (vm) {
		vm_destroy(vm);
		vm_put(vm);
	}
}

static void check_reset_exit(const struct result *res, const char *what)
{
	CHECK(res->exit.reason == EXIT_SYSTEM_EVENT && res->exit.system_event.type == SYSEV_RESET,
	      "%s ends with a reset through DBCR0 (exit %s)", what, exit_reason_name(res->exit.reason));
	if (res->exit.reason == EXIT_INTERNAL_ERROR)
		printf("#   internal error at 0x%llx: %s\n", (unsigned long long)res->exit.internal.addr,
		       res->exit.internal.why);
}

static void guest_vs_expect(const char *g)
{
	char elf[128], expect[128], name[64];
	static struct result res;
	struct vm *vm;
	char *want;

	snprintf(elf, sizeof(elf), DIR "%s.elf", g);
	snprintf(expect, sizeof(expect), DIR "%s.expect", g);
	snprintf(name, sizeof(name), "ppc-%s", g);
	vm = run_guest(name, elf, &res);
	check_reset_exit(&res, g);
	want = slurp(expect);
	CHECK_STR(res.console, want ? want : "(missing .expect file)", "%s prints what it prints under QEMU", g);
	free(want);
	done(vm);
}

static void compute(void)
{
	static struct result res;
	struct vm *vm = run_guest("ppc-compute", DIR "compute.elf", &res);
	const char *want = run_cmd("./" DIR "compute.host");

	check_reset_exit(&res, "compute");
	CHECK_STR(res.console, want ? want : "", "compute prints what the host build prints");
	printf("# compute: %llu instructions in %.3f s = %.1f MIPS\n", (unsigned long long)res.insns,
	       res.secs, res.insns / res.secs / 1e6);
	done(vm);
}

static void tlb_counters(void)
{
	static struct result res;
	struct vm *vm = run_guest("ppc-tlbstat", DIR "tlb.elf", &res);
	const struct arch_ops *a = arch_find("ppc440");

	check_reset_exit(&res, "tlb");
	for (unsigned i = 0; a && i < a->nstats; i++)
		if (res.astat[i])
			printf("#   %s=%llu\n", a->stat_names[i], (unsigned long long)res.astat[i]);
	CHECK(res.astat[0] > 0, "the tlb guest fills shadow entries");
	done(vm);
}

int main(void)
{
	guest_vs_expect("hello");
	compute();
	guest_vs_expect("isa");
	guest_vs_expect("irq");
	guest_vs_expect("tlb");
	guest_vs_expect("fpu");
	guest_vs_expect("tlbivax");
	guest_vs_expect("debug");
	guest_vs_expect("timers");
	guest_vs_expect("bigpage");
	tlb_counters();
	return check_done();
}
