/*
 * The boundary between vmm/ and arch/: an ops table, like KVM's kvm_x86_ops.
 * vmm/ and fs/ see an architecture only through this.
 */
#ifndef VMM_ARCH_H
#define VMM_ARCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct vm;
struct vcpu;
struct buf;
struct kvlist;
struct memslot;

/*
 * A state file (regs, sregs, events, debugregs ...) is data: a table of
 * fields over a plain struct that the arch fills and accepts.  fs/ renders
 * and parses any arch's tables the same way ("name=0x..." lines).
 */
#define REG_RO  (1u << 0)	/* shown, not writable */
#define REG_DEC (1u << 1)	/* shown in decimal (counts, flags) */

struct reg_desc {
	const char *name;
	uint16_t offset;	/* into the state struct */
	uint8_t width;		/* bytes: 1, 2, 4 or 8 */
	uint8_t flags;
};

#define REG(type, field, name, flags) \
	{ name, offsetof(type, field), sizeof(((type *)0)->field), flags }

struct state_desc {
	const char *file;		/* "regs", "sregs", "events" ... */
	const struct reg_desc *fields;
	unsigned nfields;
	size_t size;			/* of the state struct */
	/* Called with the vcpu held at an instruction boundary. */
	void (*get)(struct vcpu *, void *state);
	/*
	 * `state` is the result of get() overlaid with what the user wrote;
	 * written[i / 64] bit i % 64 says field i was written.  Check
	 * everything first: return 0, or a negative errno with `why` filled
	 * and nothing changed.
	 */
	int (*set)(struct vcpu *, const void *state, const uint64_t *written,
		   char *why, size_t whylen);
};

/* Other per-vcpu files (tlb, mmu, translate ...) render and take text themselves. */
struct vcpu_file {
	const char *name;
	mode_t mode;			/* 0400, 0200 or 0600 */
	void (*render)(struct vcpu *, struct buf *);
	int (*write)(struct vcpu *, struct kvlist *, char *why, size_t whylen);
};

/* Per-VM arch files (dtb ...); render may produce binary. */
struct vm_file {
	const char *name;
	mode_t mode;
	void (*render)(struct vm *, struct buf *);
	int (*write)(struct vm *, struct kvlist *, char *why, size_t whylen);
};

/* What arch->run returns. */
enum run_result {
	RUN_DONE = 0,	/* budget spent or a request is pending (vcpu->requests) */
	RUN_EXIT = 1,	/* vcpu->exit is filled: userspace is needed */
	RUN_HALT = 2,	/* guest waits for an interrupt; vcpu->halt_deadline_ns may bound it */
};

#define ARCH_STATS_MAX 64

struct arch_ops {
	const char *name;			/* "x86", "ppc440" */
	size_t vm_size, vcpu_size;		/* arch state, zeroed by vmm/ */
	const struct state_desc *const *state_files;	/* NULL-terminated; the first is "regs" */
	const struct vcpu_file *const *vcpu_files;	/* NULL-terminated */
	const struct vm_file *const *vm_files;		/* NULL-terminated */
	const char *const *stat_names;		/* arch counters, vcpu->astat[] */
	unsigned nstats;

	/* Devices, firmware tables.  opts: the creation options vmm/ did not
	 * consume (arch-specific, e.g. pv=off); reject unknown ones. */
	int (*vm_init)(struct vm *, struct kvlist *opts, char *why, size_t whylen);
	void (*vm_destroy)(struct vm *);
	int (*vcpu_init)(struct vcpu *);
	void (*vcpu_destroy)(struct vcpu *);
	void (*vcpu_reset)(struct vcpu *);

	/* Interpret at most `budget` instructions; return at an instruction
	 * boundary when vcpu->requests becomes nonzero (checked at least once
	 * per block).  Adds what it executed to vcpu->stat[STAT_INSNS] and
	 * the interrupts it delivered to vcpu->stat[STAT_INTERRUPTS]; the
	 * budget counts both, so a fault loop ends a step too. */
	enum run_result (*run)(struct vcpu *, uint64_t budget);
	/* True if an interrupt is deliverable now (wakes a halted vcpu). */
	int (*irq_pending)(struct vcpu *);

	/* Place an image (the file's bytes, read by vmm/ with the caller's
	 * rights) and set vcpu 0 to enter it, the firmware tables (multiboot
	 * info, device tree) built anew.  All vcpus are held.  args: the tokens
	 * after the path.  Called again with the same bytes and args by a
	 * machine reset, so it must depend on nothing else the guest changed. */
	int (*load)(struct vm *, const uint8_t *img, size_t len, struct kvlist *args,
		    char *why, size_t whylen);
	/* Devices back to their power-on state (a machine reset); all vcpus held. */
	void (*devices_reset)(struct vm *);
	/* Raise or lower an interrupt line of the platform's controller. */
	int (*set_irq)(struct vm *, unsigned line, int level, char *why, size_t whylen);

	/* Userspace wrote guest memory [gpa, gpa+len): drop what is cached about it.
	 * Called with all vcpus held. */
	void (*mem_written)(struct vm *, uint64_t gpa, uint64_t len);
	/* The memslot table changed: drop every cached translation. All vcpus held. */
	void (*slots_changed)(struct vm *);
	/* The dirty bitmap of `slot` was harvested: make the next guest write to
	 * each of its pages visible again.  All vcpus held. */
	void (*dirty_rearm)(struct vm *, struct memslot *slot);
	/* `enable-cap NAME` on the VM's ctl (KVM_ENABLE_CAP); NULL: none. */
	int (*enable_cap)(struct vm *, const char *name, char *why, size_t whylen);
	/* `debug on|off` on the VM's ctl (KVM_SET_GUEST_DEBUG): with it on,
	 * debug events (breakpoints, watchpoints, single steps) end the run
	 * with EXIT_DEBUG instead of reaching the guest.  NULL: not supported. */
	int (*set_guest_debug)(struct vm *, int on, char *why, size_t whylen);
};

const struct arch_ops *arch_find(const char *name);
/* Space-separated names of the built-in architectures, for /info and errors. */
const char *arch_names(void);

#endif
