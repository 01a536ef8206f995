/*
 * The tree's nodes.  An inode number encodes the node completely, so no
 * table of nodes is kept: (VM id, vcpu, kind).  VM ids are never reused, so
 * an inode of a destroyed VM stays dead (ENOENT) even if the name returns.
 *
 *   bits 63..20  VM id (0 for the root's own files)
 *   bits 19..10  vcpu index
 *   bits  9..0   kind; arch files are kinds K_STATE+i, K_VCPUFILE+i, K_VMFILE+i
 */
#ifndef FS_NODE_H
#define FS_NODE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

#include "vmm/vm.h"

enum kind {
	K_NONE,
	K_ROOT, K_ROOT_CTL, K_ROOT_INFO, K_ROOT_LOG,
	K_VM, K_VM_CTL, K_VM_MEMSLOTS, K_VM_MEM, K_VM_DIRTY, K_VM_CONSOLE, K_VM_LOG, K_VM_STATS,
	K_CPUS,						/* cpu/ */
	K_CPU, K_CPU_CTL, K_CPU_EXIT, K_CPU_STATS,	/* cpu/N/... */
	K_STATE = 64,		/* + index into arch state_files (cpu/N/regs ...) */
	K_VM_STATE = 128,	/* + index: the VM's alias of cpu/0's state file */
	K_VCPUFILE = 192,	/* + index into arch vcpu_files */
	K_VM_VCPUFILE = 256,	/* + index: the VM's alias of cpu/0's (tlb ...) */
	K_VMFILE = 320,		/* + index into arch vm_files */
	K_LIMIT = 384,
};

struct node {
	uint64_t vm_id;
	unsigned cpu;
	unsigned kind;
};

static inline fuse_ino_t node_ino(uint64_t vm_id, unsigned cpu, unsigned kind)
{
	if (kind == K_ROOT)
		return FUSE_ROOT_ID;
	return (vm_id << 20) | ((uint64_t)cpu << 10) | kind;
}

static inline struct node node_of(fuse_ino_t ino)
{
	struct node n;

	if (ino == FUSE_ROOT_ID)
		return (struct node){ 0, 0, K_ROOT };
	n.vm_id = ino >> 20;
	n.cpu = (ino >> 10) & 1023;
	n.kind = ino & 1023;
	return n;
}

/* A node's base kind and, for arch files, its index into the arch's table. */
unsigned node_base(unsigned kind, unsigned *index);
bool node_is_dir(unsigned kind);

/* Resolve a node to its VM (with a reference) and vcpu; -ENOENT if gone. */
int node_resolve(const struct node *n, struct vm **vm, struct vcpu **vcpu);

/* attributes of a node; vm may be NULL for root nodes */
void node_attr(const struct node *n, struct vm *vm, struct stat *st);

/* Children of a directory node: calls fn(name, child node, arg) for each. */
typedef int (*child_fn)(const char *name, const struct node *child, void *arg);
int node_children(const struct node *dir, struct vm *vm, child_fn fn, void *arg);

#endif
