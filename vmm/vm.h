/* A VM, and the registry of VMs.  Knows nothing of FUSE. */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "arch.h"
#include "console.h"
#include "iobus.h"
#include "memslot.h"
#include "text.h"
#include "textlog.h"
#include "vcpu.h"

#define VM_NAME_MAX 63
#define VCPUS_MAX 64
#define VMS_MAX 1024
#define VMS_ROOT_RESERVE 64	/* of VMS_MAX, only root may create these */
#define VM_MEM_MAX (64ull << 30)	/* total guest RAM per VM */
#define VM_IMAGE_MAX (512u << 20)	/* the largest file `load` takes */
/*
 * Decoded guest code per VM, shared equally by its vcpus (each vcpu keeps
 * its own cache): a vcpu whose cache would grow past its share drops all of
 * it and decodes again from scratch, as QEMU flushes a full TB cache.
 */
#define CODE_CACHE_MAX (64ull << 20)

struct vm {
	char name[VM_NAME_MAX + 1];
	uint64_t id;			/* unique for the daemon's life; never reused */
	uid_t uid;
	gid_t gid;
	const struct arch_ops *arch;
	void *arch_state;		/* arch_ops.vm_size bytes */

	int refs;			/* atomic; the registry holds one */
	bool dead;			/* destroyed: files of it answer ENOENT */

	/* One control operation at a time (load, reset, start, slot changes,
	 * dirty harvests), and what they replace (the arch's VM files, such as
	 * ppc440's device tree, are rendered under it).  Lock order: ctl_lock,
	 * then slots_lock, then each vcpu's mu in index order. */
	pthread_mutex_t ctl_lock;
	pthread_rwlock_t slots_lock;	/* `mem` readers vs. slot changes */
	struct memslots slots;
	/* Guest memory charged to the owner's quota: the slots' total, or more
	 * while a change is being applied.  Written under registry_lock (vm.c). */
	uint64_t mem_charged;

	struct iobus pio, mmio;
	int ncpus;
	struct vcpu *vcpu[VCPUS_MAX];

	struct console console;
	struct textlog log;
	bool loaded;			/* an image was loaded since the last reset */
	/* The last image loaded and its load arguments (pointing into
	 * image_argbuf), kept so a machine reset places it again without
	 * opening the file anew (which would be with the daemon's rights). */
	uint8_t *image;
	size_t image_len;
	struct kvlist image_args;
	char *image_argbuf;
	uint64_t ro_log_sec;		/* atomic: when a read-only slot write was last logged */
	unsigned ro_unlogged;		/* atomic: such writes since that line */
	time_t created;
};

/*
 * What one user other than root may hold at once; set from the mount
 * options before the first VM (fs/main.c).  root has no quota, and the last
 * VMS_ROOT_RESERVE VMs are root's, so no user can lock root out.
 */
struct user_quota {
	uint64_t vms, vcpus, mem;
};
extern struct user_quota user_quota;
/* The defaults: 64 VMs, 256 vcpus, the host's RAM. */
void user_quota_defaults(void);

/* The generic creation options (the rest go to the arch's vm_init). */
struct vm_config {
	const char *arch;
	uint64_t mem;
	unsigned cpus;
	uint64_t console_max;	/* bytes of console output kept */
};

/* A vcpu's share of CODE_CACHE_MAX. */
static inline uint64_t vcpu_code_budget(const struct vm *vm)
{
	return CODE_CACHE_MAX / (vm->ncpus > 0 ? (unsigned)vm->ncpus : 1u);
}

int vm_create(const char *name, uid_t uid, gid_t gid, struct kvlist *opts,
	      struct vm **out, char *why, size_t whylen);
/* Remove from the registry, stop the vcpus; freed when the last ref goes. */
int vm_destroy(struct vm *vm);

/* A new name, checked as vm_create checks it; -EEXIST if another VM has it. */
int vm_rename(struct vm *vm, const char *name, char *why, size_t whylen);

struct vm *vm_lookup(const char *name);		/* with a reference */
struct vm *vm_lookup_id(uint64_t id);		/* with a reference */
void vm_get(struct vm *vm);
void vm_put(struct vm *vm);
/* Names of live VMs, for readdir: calls fn for each, under the registry lock. */
void vm_foreach(void (*fn)(struct vm *, void *), void *arg);
unsigned vm_count(void);
void vm_destroy_all(void);

/* Hold every vcpu at an instruction boundary (memslot and memory changes). */
void vm_hold_all(struct vm *vm);
void vm_release_all(struct vm *vm);

/*
 * A file-backed slot lost its file (memslot.h): vm_report_lost says so once
 * per slot in the VM's log and returns true when it did just now (the
 * caller keeps the slot table still); vm_backing_lost then makes every vcpu
 * end its run, or its next one, with internal_error.
 */
bool vm_report_lost(struct vm *vm);
void vm_backing_lost(struct vm *vm);

/* Operations behind the VM's files; each logs its refusals itself. */
int vm_set_memslot(struct vm *vm, struct memslot_req *rq);
ssize_t vm_mem_read(struct vm *vm, uint64_t gpa, void *dst, size_t len);
/*
 * Zero-copy read: calls fn once with the host ranges of [gpa, gpa+len) up to
 * the first hole (at most MEMSLOTS_MAX of them), with the slot table locked
 * so they stay valid during the call.  Returns fn's result, 0 past the end
 * of memory, or -EFAULT (logged) when gpa is in a hole.
 */
struct iovec;
ssize_t vm_mem_read_with(struct vm *vm, uint64_t gpa, size_t len,
			 ssize_t (*fn)(void *ctx, const struct iovec *iov, int n), void *ctx);
ssize_t vm_mem_write(struct vm *vm, uint64_t gpa, const void *src, size_t len);
/* Harvest: render the pages written since the last harvest and re-arm. */
void vm_dirty_harvest(struct vm *vm, struct buf *out);
int vm_load(struct vm *vm, int fd, const char *path, struct kvlist *args);
/* A machine reset (devices, every vcpu, the last image placed again) or,
 * with cpu_only, every vcpu to its power-on state and nothing else.  A run
 * it ends ends with reason=intr.  Returns 0, or the errno of placing the
 * image again (logged; the vcpus are reset all the same). */
int vm_reset(struct vm *vm, bool cpu_only);
int vm_start(struct vm *vm);
void vm_stop(struct vm *vm);
/* "state=running ..." for the VM's ctl file. */
void vm_render_state(struct vm *vm, struct buf *out);
void vm_render_stats(struct vm *vm, struct buf *out);
void vcpu_render_stats(struct vcpu *v, struct buf *out);
void vcpu_render_state(struct vcpu *v, struct buf *out);

/* Log a refusal or a happening: one line in the VM's log (or the global one for NULL). */
void vm_log(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
extern struct textlog global_log;

#endif
