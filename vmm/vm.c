#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "text.h"
#include "vm.h"

struct textlog global_log;
struct user_quota user_quota;

/*
 * registry_lock guards the registry, next_id and every VM's mem_charged.
 * It is taken last: under a VM's ctl_lock and slots_lock (memslot changes
 * charge the owner's quota), never the other way round.
 */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vm *registry[VMS_MAX];
static unsigned nvms;
static uint64_t next_id = 1;

void user_quota_defaults(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);

	user_quota.vms = 64;
	user_quota.vcpus = 256;
	user_quota.mem = pages > 0 && psize > 0 ? (uint64_t)pages * psize : VM_MEM_MAX;
}

__attribute__((constructor)) static void global_log_init(void)
{
	textlog_init(&global_log);
	user_quota_defaults();
}

/*
 * May uid hold `vms` more VMs, `vcpus` more vcpus, and `mem` bytes of guest
 * memory in place of what `self` (one of its VMs, or NULL) is charged now?
 * Called with registry_lock held; 0 or -ENOSPC/-ENOMEM with why.
 */
static int quota_check(uid_t uid, unsigned vms, unsigned vcpus, const struct vm *self, uint64_t mem,
		       char *why, size_t whylen)
{
	uint64_t nvm = 0, ncpu = 0, bytes = 0;

	if (vms && nvms >= VMS_MAX - (uid ? VMS_ROOT_RESERVE : 0)) {
		snprintf(why, whylen, "%u VMs exist, the most this daemon runs%s", nvms,
			 uid ? " for users other than root" : "");
		return -ENOSPC;
	}
	if (uid == 0)
		return 0;
	for (unsigned i = 0; i < nvms; i++) {
		const struct vm *vm = registry[i];

		if (vm->uid != uid)
			continue;
		nvm++;
		ncpu += vm->ncpus;
		if (vm != self)
			bytes += vm->mem_charged;
	}
	if (nvm + vms > user_quota.vms) {
		snprintf(why, whylen, "uid %u has %llu VMs, its quota (max_vms_per_user)", (unsigned)uid,
			 (unsigned long long)nvm);
		return -ENOSPC;
	}
	if (ncpu + vcpus > user_quota.vcpus) {
		snprintf(why, whylen, "uid %u has %llu vcpus; %u more would pass its quota of %llu "
			 "(max_vcpus_per_user)", (unsigned)uid, (unsigned long long)ncpu, vcpus,
			 (unsigned long long)user_quota.vcpus);
		return -ENOSPC;
	}
	if (bytes + mem > user_quota.mem || bytes + mem < bytes) {
		snprintf(why, whylen, "uid %u's VMs hold 0x%llx bytes of guest memory; 0x%llx more would "
			 "pass its quota of 0x%llx (max_mem_per_user)", (unsigned)uid,
			 (unsigned long long)bytes, (unsigned long long)mem,
			 (unsigned long long)user_quota.mem);
		return -ENOMEM;
	}
	return 0;
}

void vm_log(struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	textlog_vadd(vm ? &vm->log : &global_log, fmt, ap);
	va_end(ap);
}

static int name_ok(const char *name)
{
	size_t n = strlen(name);

	if (!n || n > VM_NAME_MAX || name[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(name[i] >= 'a' && name[i] <= 'z') && !(name[i] >= 'A' && name[i] <= 'Z') &&
		    !(name[i] >= '0' && name[i] <= '9') && !strchr("_-.", name[i]))
			return 0;
	return strcmp(name, "ctl") && strcmp(name, "info") && strcmp(name, "log");
}

static int check_name(const char *name, char *why, size_t whylen)
{
	if (name_ok(name))
		return 0;
	snprintf(why, whylen, "'%.80s' is not a VM name: 1-%d of A-Z a-z 0-9 _ - . "
		 "(not starting with '.', not ctl/info/log)", name, VM_NAME_MAX);
	return -EINVAL;
}

static struct vm *find_locked(const char *name)
{
	for (unsigned i = 0; i < nvms; i++)
		if (!strcmp(registry[i]->name, name))
			return registry[i];
	return NULL;
}

void vm_get(struct vm *vm)
{
	__atomic_add_fetch(&vm->refs, 1, __ATOMIC_SEQ_CST);
}

static void vm_free(struct vm *vm)
{
	for (int i = 0; i < vm->ncpus; i++)
		vcpu_free(vm->vcpu[i]);
	if (vm->arch->vm_destroy)
		vm->arch->vm_destroy(vm);
	memslots_free(&vm->slots);
	console_free(&vm->console);
	free(vm->image);
	free(vm->image_argbuf);
	textlog_free(&vm->log);
	pthread_mutex_destroy(&vm->ctl_lock);
	pthread_rwlock_destroy(&vm->slots_lock);
	free(vm->arch_state);
	free(vm);
}

void vm_put(struct vm *vm)
{
	if (__atomic_sub_fetch(&vm->refs, 1, __ATOMIC_SEQ_CST) == 0)
		vm_free(vm);
}

struct vm *vm_lookup(const char *name)
{
	struct vm *vm;

	pthread_mutex_lock(&registry_lock);
	vm = find_locked(name);
	if (vm)
		vm_get(vm);
	pthread_mutex_unlock(&registry_lock);
	return vm;
}

struct vm *vm_lookup_id(uint64_t id)
{
	struct vm *vm = NULL;

	pthread_mutex_lock(&registry_lock);
	for (unsigned i = 0; i < nvms; i++)
		if (registry[i]->id == id) {
			vm = registry[i];
			vm_get(vm);
			break;
		}
	pthread_mutex_unlock(&registry_lock);
	return vm;
}

void vm_foreach(void (*fn)(struct vm *, void *), void *arg)
{
	pthread_mutex_lock(&registry_lock);
	for (unsigned i = 0; i < nvms; i++)
		fn(registry[i], arg);
	pthread_mutex_unlock(&registry_lock);
}

unsigned vm_count(void)
{
	unsigned n;

	pthread_mutex_lock(&registry_lock);
	n = nvms;
	pthread_mutex_unlock(&registry_lock);
	return n;
}

/* Take the generic options out of `opts`, leaving the arch's. */
static int take_config(struct kvlist *opts, struct vm_config *cfg, char *why, size_t whylen)
{
	int j = 0;

	cfg->arch = "x86";
	cfg->mem = 0;
	cfg->cpus = 1;
	cfg->console_max = CONSOLE_MAX_DEFAULT;
	for (int i = 0; i < opts->n; i++) {
		struct kv *kv = &opts->kv[i];
		uint64_t n;
		int r;

		if (!strcmp(kv->key, "arch") && kv->val) {
			cfg->arch = kv->val;
		} else if (!strcmp(kv->key, "mem") && kv->val) {
			if ((r = parse_u64(kv->val, &n)) || n > VM_MEM_MAX || (n & (PAGE_SIZE - 1))) {
				snprintf(why, whylen, "mem=%s: want a multiple of 4K up to %lluG", kv->val,
					 VM_MEM_MAX >> 30);
				return r == -EINVAL ? -EINVAL : n > VM_MEM_MAX ? -ENOMEM : -EINVAL;
			}
			cfg->mem = n;
		} else if (!strcmp(kv->key, "cpus") && kv->val) {
			if ((r = parse_u64(kv->val, &n)) || n < 1 || n > VCPUS_MAX) {
				snprintf(why, whylen, "cpus=%s: want 1 to %d", kv->val, VCPUS_MAX);
				return r == -EINVAL ? -EINVAL : -ERANGE;
			}
			cfg->cpus = n;
		} else if (!strcmp(kv->key, "console_max") && kv->val) {
			if ((r = parse_u64(kv->val, &n)) || n < CONSOLE_MAX_MIN || n > CONSOLE_MAX_MAX) {
				snprintf(why, whylen, "console_max=%s: want %uK to %lluT", kv->val,
					 CONSOLE_MAX_MIN >> 10, CONSOLE_MAX_MAX >> 40);
				return r == -EINVAL ? -EINVAL : -ERANGE;
			}
			cfg->console_max = n;
		} else {
			opts->kv[j++] = *kv;
		}
	}
	opts->n = j;
	return 0;
}

int vm_create(const char *name, uid_t uid, gid_t gid, struct kvlist *opts,
	      struct vm **out, char *why, size_t whylen)
{
	struct kvlist none = { 0 };
	struct vm_config cfg;
	struct vm *vm;
	int r;

	if (!opts)
		opts = &none;
	if ((r = check_name(name, why, whylen)))
		return r;
	if ((r = take_config(opts, &cfg, why, whylen)))
		return r;
	/* before any thread or memory is made; checked again when it joins the registry */
	pthread_mutex_lock(&registry_lock);
	r = quota_check(uid, 1, cfg.cpus, NULL, cfg.mem, why, whylen);
	pthread_mutex_unlock(&registry_lock);
	if (r)
		return r;
	vm = calloc(1, sizeof(*vm));
	if (!vm) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	vm->arch = arch_find(cfg.arch);
	if (!vm->arch) {
		free(vm);
		snprintf(why, whylen, "arch=%s: unknown; this build has: %s", cfg.arch, arch_names());
		return -EINVAL;
	}
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	vm->uid = uid;
	vm->created = time(NULL);
	vm->gid = gid;
	vm->refs = 1;
	vm->arch_state = calloc(1, vm->arch->vm_size ? vm->arch->vm_size : 1);
	pthread_mutex_init(&vm->ctl_lock, NULL);
	pthread_rwlock_init(&vm->slots_lock, NULL);
	textlog_init(&vm->log);
	if (!vm->arch_state || console_init(&vm->console, cfg.console_max)) {
		free(vm->arch_state);
		free(vm);
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	if (cfg.mem) {
		struct memslot_req rq = { .id = 0, .gpa = 0, .size = cfg.mem, .has_gpa = true, .fd = -1 };

		if ((r = memslots_apply(&vm->slots, &rq, why, whylen)))
			goto fail;
	}
	if (vm->arch->vm_init && (r = vm->arch->vm_init(vm, opts, why, whylen)))
		goto fail;
	if (!vm->arch->vm_init && opts->n) {
		snprintf(why, whylen, "%s: unknown option for arch=%s", opts->kv[0].key, vm->arch->name);
		r = -EINVAL;
		goto fail;
	}
	for (unsigned i = 0; i < cfg.cpus; i++) {
		if ((r = vcpu_create(vm, i, &vm->vcpu[i]))) {
			snprintf(why, whylen, "cannot create cpu %u: %s", i, strerror(-r));
			goto fail;
		}
		vm->ncpus++;
	}

	pthread_mutex_lock(&registry_lock);
	if (find_locked(name)) {
		r = -EEXIST;
		snprintf(why, whylen, "a VM named '%s' exists", name);
	} else if ((r = quota_check(uid, 1, vm->ncpus, NULL, cfg.mem, why, whylen))) {
		;
	} else {
		vm->mem_charged = cfg.mem;
		vm->id = next_id++;
		registry[nvms++] = vm;
		r = 0;
	}
	pthread_mutex_unlock(&registry_lock);
	if (r)
		goto fail;
	vm_log(vm, "created: arch=%s mem=0x%llx cpus=%u", vm->arch->name,
	       (unsigned long long)cfg.mem, cfg.cpus);
	if (out) {
		vm_get(vm);
		*out = vm;
	}
	return 0;
fail:
	for (int i = 0; i < vm->ncpus; i++)
		vcpu_destroy(vm->vcpu[i]);
	vm_put(vm);
	return r;
}

int vm_destroy(struct vm *vm)
{
	unsigned i;

	pthread_mutex_lock(&registry_lock);
	for (i = 0; i < nvms && registry[i] != vm; i++)
		;
	if (i == nvms) {
		pthread_mutex_unlock(&registry_lock);
		return -ENOENT;
	}
	registry[i] = registry[--nvms];
	vm->dead = true;
	pthread_mutex_unlock(&registry_lock);
	for (int c = 0; c < vm->ncpus; c++)
		vcpu_destroy(vm->vcpu[c]);
	vm_put(vm);
	return 0;
}

int vm_rename(struct vm *vm, const char *name, char *why, size_t whylen)
{
	char old[VM_NAME_MAX + 1];
	int r;

	if ((r = check_name(name, why, whylen)))
		return r;
	pthread_mutex_lock(&registry_lock);
	if (vm->dead) {
		r = -ENOENT;
		snprintf(why, whylen, "the VM was destroyed");
	} else if (find_locked(name)) {
		r = -EEXIST;
		snprintf(why, whylen, "a VM named '%s' exists", name);
	} else {
		snprintf(old, sizeof(old), "%s", vm->name);
		snprintf(vm->name, sizeof(vm->name), "%s", name);
	}
	pthread_mutex_unlock(&registry_lock);
	if (!r)
		vm_log(vm, "renamed: %s -> %s", old, name);
	return r;
}

void vm_destroy_all(void)
{
	for (;;) {
		struct vm *vm = NULL;

		pthread_mutex_lock(&registry_lock);
		if (nvms) {
			vm = registry[0];
			vm_get(vm);
		}
		pthread_mutex_unlock(&registry_lock);
		if (!vm)
			return;
		vm_destroy(vm);
		vm_put(vm);
	}
}

void vm_hold_all(struct vm *vm)
{
	for (int i = 0; i < vm->ncpus; i++)
		vcpu_hold(vm->vcpu[i]);
}

void vm_release_all(struct vm *vm)
{
	for (int i = vm->ncpus - 1; i >= 0; i--)
		vcpu_release(vm->vcpu[i]);
}

static uint64_t slots_total(const struct vm *vm)
{
	uint64_t total = 0;

	for (int i = 0; i < vm->slots.n; i++)
		total += vm->slots.slot[i]->size;
	return total;
}

/*
 * Charge the owner for the VM holding `bytes` while a slot change is
 * applied (the larger of before and after, so that two VMs of one user
 * growing at once cannot both pass), then settle on what it holds.
 */
static int charge_mem(struct vm *vm, uint64_t bytes, char *why, size_t whylen)
{
	int r;

	pthread_mutex_lock(&registry_lock);
	r = bytes <= vm->mem_charged ? 0 : quota_check(vm->uid, 0, 0, vm, bytes, why, whylen);
	if (!r && bytes > vm->mem_charged)
		vm->mem_charged = bytes;
	pthread_mutex_unlock(&registry_lock);
	return r;
}

static void charge_settle(struct vm *vm)
{
	uint64_t total = slots_total(vm);

	pthread_mutex_lock(&registry_lock);
	vm->mem_charged = total;
	pthread_mutex_unlock(&registry_lock);
}

int vm_set_memslot(struct vm *vm, struct memslot_req *rq)
{
	char why[256] = "";
	uint64_t total = 0;
	int r;

	pthread_mutex_lock(&vm->ctl_lock);
	pthread_rwlock_wrlock(&vm->slots_lock);
	for (int i = 0; i < vm->slots.n; i++)
		if (vm->slots.slot[i]->id != rq->id)
			total += vm->slots.slot[i]->size;
	if (total + rq->size > VM_MEM_MAX || total + rq->size < total) {
		snprintf(why, sizeof(why), "slot %u: the VM's memory would exceed %lluG", rq->id,
			 VM_MEM_MAX >> 30);
		r = -ENOMEM;
	} else if (!(r = memslots_check(&vm->slots, rq, why, sizeof(why))) &&
		   !(r = charge_mem(vm, total + rq->size, why, sizeof(why)))) {
		vm_hold_all(vm);
		r = memslots_apply(&vm->slots, rq, why, sizeof(why));
		if (!r && vm->arch->slots_changed)
			vm->arch->slots_changed(vm);
		vm_release_all(vm);
		charge_settle(vm);
	}
	pthread_rwlock_unlock(&vm->slots_lock);
	pthread_mutex_unlock(&vm->ctl_lock);
	if (r)
		vm_log(vm, "memslots: %s", why);
	return r;
}

bool vm_report_lost(struct vm *vm)
{
	bool now = false;

	for (int i = 0; i < vm->slots.n; i++) {
		struct memslot *s = vm->slots.slot[i];
		int lost = MEMSLOT_LOST;

		if (__atomic_compare_exchange_n(&s->lost, &lost, MEMSLOT_REPORTED, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
			vm_log(vm, "memslots: slot %u: its backing file %s was truncated; the slot now "
			       "holds zeros, mem there is EFAULT, and runs end with internal_error "
			       "(delete the slot)", s->id, s->backing);
			now = true;
		}
	}
	return now;
}

void vm_backing_lost(struct vm *vm)
{
	for (int i = 0; i < vm->ncpus; i++) {
		vcpu_hold(vm->vcpu[i]);
		vm->vcpu[i]->backing_lost = true;
		vcpu_release(vm->vcpu[i]);
	}
}

/* After touching guest memory outside a vcpu: a truncated file ends the runs. */
static void check_lost(struct vm *vm)
{
	if (vm_report_lost(vm))
		vm_backing_lost(vm);
}

/* The log line of a `mem` transfer that moved nothing at gpa. */
static void log_hole(struct vm *vm, const char *op, uint64_t gpa)
{
	struct memslot *s = memslots_find(&vm->slots, gpa);

	if (s && memslot_lost(s))
		vm_log(vm, "mem: %s at 0x%llx: slot %u lost its backing file (truncated)", op,
		       (unsigned long long)gpa, s->id);
	else
		vm_log(vm, "mem: %s at 0x%llx: no memory slot there", op, (unsigned long long)gpa);
}

ssize_t vm_mem_read(struct vm *vm, uint64_t gpa, void *dst, size_t len)
{
	ssize_t n;

	pthread_rwlock_rdlock(&vm->slots_lock);
	n = memslots_read(&vm->slots, gpa, dst, len);
	check_lost(vm);
	if (!n && len && gpa < memslots_extent(&vm->slots)) {
		log_hole(vm, "read", gpa);
		n = -EFAULT;
	}
	pthread_rwlock_unlock(&vm->slots_lock);
	return n;
}

ssize_t vm_mem_read_with(struct vm *vm, uint64_t gpa, size_t len,
			 ssize_t (*fn)(void *ctx, const struct iovec *iov, int n), void *ctx)
{
	struct iovec iov[MEMSLOTS_MAX];
	struct memslot *from[MEMSLOTS_MAX];
	size_t done = 0;
	ssize_t r;
	int n = 0;

	pthread_rwlock_rdlock(&vm->slots_lock);
	while (done < len && n < MEMSLOTS_MAX) {
		struct memslot *s = memslots_find(&vm->slots, gpa + done);
		uint64_t off, chunk;

		/* the kernel copies from these without a fault of ours: check the file first */
		if (!s || gpa + done < gpa || !memslot_backing_ok(s))
			break;
		off = gpa + done - s->gpa;
		chunk = s->size - off < len - done ? s->size - off : len - done;
		from[n] = s;
		iov[n].iov_base = s->host + off;
		iov[n++].iov_len = chunk;
		done += chunk;
	}
	check_lost(vm);
	if (n || !len || gpa >= memslots_extent(&vm->slots)) {
		r = fn(ctx, iov, n);
		/* a file truncated during the copy failed it (the reader saw EIO):
		 * mark the slot now, so that from here on it is EFAULT and said so */
		for (int i = 0; r == 0 && i < n; i++)
			memslot_backing_ok(from[i]);
		if (r == 0 && n)
			check_lost(vm);
	} else {
		log_hole(vm, "read", gpa);
		r = -EFAULT;
	}
	pthread_rwlock_unlock(&vm->slots_lock);
	return r;
}

ssize_t vm_mem_write(struct vm *vm, uint64_t gpa, const void *src, size_t len)
{
	size_t n;

	pthread_rwlock_rdlock(&vm->slots_lock);
	vm_hold_all(vm);
	n = memslots_write(&vm->slots, gpa, src, len);
	if (n && vm->arch->mem_written)
		vm->arch->mem_written(vm, gpa, n);
	check_lost(vm);
	if (!n && len)
		log_hole(vm, "write", gpa);
	vm_release_all(vm);
	pthread_rwlock_unlock(&vm->slots_lock);
	return n || !len ? (ssize_t)n : -EFAULT;
}

static void render_ranges(const struct memslot *s, const uint64_t *bits, struct buf *out)
{
	size_t npages = memslot_npages(s);

	for (size_t pg = 0; pg < npages;) {
		size_t first;

		if (!bits[pg / 64]) {
			pg = (pg / 64 + 1) * 64;
			continue;
		}
		if (!(bits[pg / 64] & (1ull << (pg % 64)))) {
			pg++;
			continue;
		}
		first = pg;
		while (pg < npages && (bits[pg / 64] & (1ull << (pg % 64))))
			pg++;
		buf_printf(out, "slot=%u gfn=0x%llx gpa=0x%llx pages=%zu\n", s->id,
			   (unsigned long long)((s->gpa >> PAGE_SHIFT) + first),
			   (unsigned long long)(s->gpa + (first << PAGE_SHIFT)), pg - first);
	}
}

void vm_dirty_harvest(struct vm *vm, struct buf *out)
{
	pthread_mutex_lock(&vm->ctl_lock);
	pthread_rwlock_rdlock(&vm->slots_lock);
	for (int i = 0; i < vm->slots.n; i++) {
		struct memslot *s = vm->slots.slot[i];
		size_t words;
		uint64_t *copy;

		if (!s->dirty)
			continue;
		words = memslot_dirty_words(s);
		copy = malloc(words * sizeof(uint64_t));
		if (!copy) {
			buf_printf(out, "slot=%u error=out_of_memory\n", s->id);
			continue;
		}
		vm_hold_all(vm);
		memcpy(copy, s->dirty, words * sizeof(uint64_t));
		memset(s->dirty, 0, words * sizeof(uint64_t));
		if (vm->arch->dirty_rearm)
			vm->arch->dirty_rearm(vm, s);
		vm_release_all(vm);
		render_ranges(s, copy, out);
		free(copy);
	}
	pthread_rwlock_unlock(&vm->slots_lock);
	pthread_mutex_unlock(&vm->ctl_lock);
}

static int any_running(struct vm *vm)
{
	for (int i = 0; i < vm->ncpus; i++)
		if (vm->vcpu[i]->state == VCPU_RUNNING || vm->vcpu[i]->state == VCPU_HALTED)
			return 1;
	return 0;
}

/* The whole file, up to VM_IMAGE_MAX: what `load` places and a reset places again. */
static int read_image(int fd, uint8_t **out, size_t *len, char *why, size_t whylen)
{
	struct stat st;
	uint8_t *p;
	size_t got = 0;

	if (fstat(fd, &st) < 0) {
		snprintf(why, whylen, "cannot stat the image: %s", strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t)st.st_size > VM_IMAGE_MAX) {
		snprintf(why, whylen, "the image must be a regular file of 1 byte to %u MiB", VM_IMAGE_MAX >> 20);
		return -EINVAL;
	}
	if (!(p = malloc(st.st_size))) {
		snprintf(why, whylen, "out of memory for a %lld-byte image", (long long)st.st_size);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = pread(fd, p + got, st.st_size - got, got);

		if (n <= 0) {
			snprintf(why, whylen, "cannot read the image: %s", n ? strerror(errno) : "short file");
			free(p);
			return n ? -errno : -EIO;
		}
		got += n;
	}
	*out = p;
	*len = got;
	return 0;
}

/* A copy of args in one allocation (returned) that dst's pointers refer to. */
static char *kv_copy(const struct kvlist *src, struct kvlist *dst)
{
	size_t need = 1;
	char *buf, *at;

	for (int i = 0; i < src->n; i++)
		need += strlen(src->kv[i].key) + 1 + (src->kv[i].val ? strlen(src->kv[i].val) + 1 : 0);
	if (!(buf = malloc(need)))
		return NULL;
	at = buf;
	dst->n = src->n;
	for (int i = 0; i < src->n; i++) {
		dst->kv[i].key = strcpy(at, src->kv[i].key);
		at += strlen(at) + 1;
		dst->kv[i].val = NULL;
		if (src->kv[i].val) {
			dst->kv[i].val = strcpy(at, src->kv[i].val);
			at += strlen(at) + 1;
		}
	}
	return buf;
}

int vm_load(struct vm *vm, int fd, const char *path, struct kvlist *args)
{
	struct kvlist none = { 0 }, kept;
	char why[256] = "", *argbuf = NULL;
	uint8_t *img = NULL;
	size_t len = 0;
	int r;

	if (!args)
		args = &none;
	pthread_mutex_lock(&vm->ctl_lock);
	pthread_rwlock_rdlock(&vm->slots_lock);
	vm_hold_all(vm);
	if (any_running(vm)) {
		snprintf(why, sizeof(why), "the VM is running: stop it first");
		r = -EBUSY;
	} else if (!vm->slots.n) {
		snprintf(why, sizeof(why), "the VM has no memory: add a slot to memslots first");
		r = -EINVAL;
	} else if (!vm->arch->load) {
		snprintf(why, sizeof(why), "arch %s cannot load images", vm->arch->name);
		r = -EINVAL;
	} else if ((r = read_image(fd, &img, &len, why, sizeof(why)))) {
		;
	} else if (!(argbuf = kv_copy(args, &kept))) {
		snprintf(why, sizeof(why), "out of memory");
		r = -ENOMEM;
	} else {
		r = vm->arch->load(vm, img, len, &kept, why, sizeof(why));
		check_lost(vm);
		if (!r) {
			vm->loaded = true;
			free(vm->image);
			free(vm->image_argbuf);
			vm->image = img;
			vm->image_len = len;
			vm->image_args = kept;
			vm->image_argbuf = argbuf;
			img = NULL;
			argbuf = NULL;
			for (int i = 0; i < vm->ncpus; i++) {
				struct vcpu *v = vm->vcpu[i];

				vcpu_set_exit(v, EXIT_NONE);
				memset(&v->replay, 0, sizeof(v->replay));
				v->state = VCPU_STOPPED;
			}
		}
	}
	vm_release_all(vm);
	pthread_rwlock_unlock(&vm->slots_lock);
	pthread_mutex_unlock(&vm->ctl_lock);
	free(img);
	free(argbuf);
	if (r)
		vm_log(vm, "ctl: load %s: %s", path, why);
	else
		vm_log(vm, "loaded %s", path);
	return r;
}

int vm_reset(struct vm *vm, bool cpu_only)
{
	char why[256] = "";
	int r = 0;

	pthread_mutex_lock(&vm->ctl_lock);
	pthread_rwlock_rdlock(&vm->slots_lock);
	vm_hold_all(vm);
	if (!cpu_only && vm->arch->devices_reset)
		vm->arch->devices_reset(vm);
	for (int i = 0; i < vm->ncpus; i++)
		vcpu_reset(vm->vcpu[i]);
	/* as QEMU's reset puts its ROMs and -kernel image back: the guest may
	 * have written over its code and data, and the firmware tables are
	 * made anew from the slots as they are now */
	if (!cpu_only && vm->image)
		r = vm->arch->load(vm, vm->image, vm->image_len, &vm->image_args, why, sizeof(why));
	vm_release_all(vm);
	pthread_rwlock_unlock(&vm->slots_lock);
	pthread_mutex_unlock(&vm->ctl_lock);
	if (r)
		vm_log(vm, "ctl: reset: the last image cannot be placed again: %s", why);
	else
		vm_log(vm, cpu_only ? "reset cpu" : vm->image ? "reset, image placed again" : "reset");
	return r;
}

int vm_start(struct vm *vm)
{
	char why[256] = "";
	int r = 0;

	pthread_mutex_lock(&vm->ctl_lock);
	for (int i = 0; i < vm->ncpus && !r; i++)
		r = vcpu_start(vm->vcpu[i], why, sizeof(why));
	pthread_mutex_unlock(&vm->ctl_lock);
	if (r)
		vm_log(vm, "ctl: start: %s", why);
	return r;
}

void vm_stop(struct vm *vm)
{
	for (int i = 0; i < vm->ncpus; i++)
		vcpu_stop(vm->vcpu[i]);
}

static void render_vcpu_state(struct vcpu *v, struct buf *out)
{
	vcpu_hold(v);
	buf_printf(out, "state=%s", vcpu_state_name(v->state));
	if (v->exit.reason != EXIT_NONE && v->state != VCPU_RUNNING && v->state != VCPU_HALTED) {
		buf_printf(out, " ");
		exit_render(&v->exit, out);
	} else {
		buf_printf(out, "\n");
	}
	vcpu_release(v);
}

void vm_render_state(struct vm *vm, struct buf *out)
{
	render_vcpu_state(vm->vcpu[0], out);
	for (int i = 1; i < vm->ncpus; i++) {
		buf_printf(out, "cpu=%d ", i);
		render_vcpu_state(vm->vcpu[i], out);
	}
}

void vcpu_render_state(struct vcpu *v, struct buf *out)
{
	render_vcpu_state(v, out);
}

static const char *const stat_names[] = {
#define X(e, s) s,
#include "stats.inc"
#undef X
};

static void render_counters(struct vm *vm, struct vcpu *only, struct buf *out)
{
	uint64_t sum[STAT_NR] = { 0 }, asum[ARCH_STATS_MAX] = { 0 };

	for (int i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = vm->vcpu[i];

		if (only && v != only)
			continue;
		vcpu_hold(v);
		for (int s = 0; s < STAT_NR; s++)
			sum[s] += v->stat[s];
		for (unsigned s = 0; s < vm->arch->nstats && s < ARCH_STATS_MAX; s++)
			asum[s] += v->astat[s];
		vcpu_release(v);
	}
	for (int s = 0; s < STAT_NR; s++)
		buf_printf(out, "%s=%llu\n", stat_names[s], (unsigned long long)sum[s]);
	for (unsigned s = 0; s < vm->arch->nstats && s < ARCH_STATS_MAX; s++)
		buf_printf(out, "%s=%llu\n", vm->arch->stat_names[s], (unsigned long long)asum[s]);
}

void vm_render_stats(struct vm *vm, struct buf *out)
{
	render_counters(vm, NULL, out);
	pthread_rwlock_rdlock(&vm->slots_lock);
	buf_printf(out, "memslots=%d\nmem_bytes=%llu\n", vm->slots.n,
		   (unsigned long long)slots_total(vm));
	pthread_rwlock_unlock(&vm->slots_lock);
	buf_printf(out, "vcpus=%d\nconsole_bytes=%llu\nconsole_max=%llu\nconsole_dropped=%llu\n"
		   "console_lost=%llu\nconsole_in_dropped=%llu\n",
		   vm->ncpus, (unsigned long long)console_size(&vm->console),
		   (unsigned long long)vm->console.max,
		   (unsigned long long)console_dropped(&vm->console),
		   (unsigned long long)console_lost(&vm->console),
		   (unsigned long long)vm->console.in_dropped);
}

void vcpu_render_stats(struct vcpu *v, struct buf *out)
{
	render_counters(v->vm, v, out);
}
