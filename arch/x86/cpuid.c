/*
 * The CPU model the guest sees through cpuid: a family-6 part that
 * advertises only what the interpreter implements, so a guest that probes
 * features never reaches an instruction we lack (no FPU, no SSE), plus the
 * KVM leaves at 0x40000000.  Userspace may replace any leaf through the
 * vcpu's cpuid file before the vcpu first runs (KVM_SET_CPUID2).
 */
#include <string.h>

#include "cpu.h"
#include "platform.h"
#include "walk.h"

/*
 * Software expects a vendor it knows (family/model tables, the PMU's and
 * the MSRs' meaning depend on it): an Intel family-6 part, as KVM guests
 * usually see.  The KVM signature stays at 0x40000000.
 */
#define CPUID_VENDOR "GenuineIntel"
#define CPUID_BRAND "vmmfs virtual x86-64 CPU"	/* leaves 0x80000002-4, padded with zeros */
#define CPUID_MAX_BASIC 0xa

/* leaf 1 edx / ecx */
#define F1_PSE (1u << 3)
#define F1_TSC (1u << 4)
#define F1_MSR (1u << 5)
#define F1_PAE (1u << 6)
#define F1_CX8 (1u << 8)
#define F1_SEP (1u << 11)
#define F1_MTRR (1u << 12)
#define F1_PGE (1u << 13)
#define F1_MCA (1u << 14)
#define F1_MCE (1u << 7)
#define F1_CLFSH (1u << 19)
#define F1_CMOV (1u << 15)
#define F1_PAT (1u << 16)
#define F1_PSE36 (1u << 17)
#define F1C_CX16 (1u << 13)
#define F1C_POPCNT (1u << 23)
#define F1C_HYPERVISOR (1u << 31)
/* leaf 0x80000001 edx / ecx */
#define FX_SYSCALL (1u << 11)
#define FX_NX (1u << 20)
#define FX_PDPE1GB (1u << 26)
#define FX_RDTSCP (1u << 27)
#define FX_LM (1u << 29)
#define FXC_LAHF_LM (1u << 0)
#define FXC_ABM (1u << 5)	/* lzcnt */
/* leaf 7 sub 0 ebx */
#define F7_SMEP (1u << 7)
#define F7_INVPCID (1u << 10)
#define F7_SMAP (1u << 20)	/* with stac and clac */
#define F7_CLFLUSHOPT (1u << 23)
#define F7_CLWB (1u << 24)
/* leaf 7 sub 0 edx: nothing to mitigate in an interpreter, which does not speculate */
#define F7D_ARCH_CAPABILITIES (1u << 29)

#define KVM_CPUID_SIGNATURE 0x40000000u
#define KVM_CPUID_FEATURES 0x40000001u

void x86_cpuid(unsigned apic_id, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	memset(out, 0, 4 * sizeof(out[0]));
	switch (leaf) {
	case 0:
		out[0] = CPUID_MAX_BASIC;
		memcpy(&out[1], CPUID_VENDOR, 4);	/* ebx edx ecx */
		memcpy(&out[3], CPUID_VENDOR + 4, 4);
		memcpy(&out[2], CPUID_VENDOR + 8, 4);
		break;
	case 1:
		out[0] = X86_CPUID_SIGNATURE;
		out[1] = (apic_id << 24) | (1u << 16) | (8u << 8);	/* 1 logical cpu, clflush 64 */
		out[2] = F1C_CX16 | F1C_POPCNT | F1C_HYPERVISOR;
		out[3] = F1_PSE | F1_TSC | F1_MSR | F1_PAE | F1_MCE | F1_CX8 | F1_SEP | F1_MTRR | F1_PGE |
			 F1_MCA | F1_CMOV | F1_PAT | F1_PSE36 | F1_CLFSH;
		break;
	case 7:
		if (sub == 0) {
			out[1] = F7_SMEP | F7_INVPCID | F7_SMAP | F7_CLFLUSHOPT | F7_CLWB;
			out[3] = F7D_ARCH_CAPABILITIES;
		}
		break;
	case 0xa:
		/* architectural performance monitoring: none (version 0, no counters; rdpmc is #GP) */
		break;
	case KVM_CPUID_SIGNATURE:
		out[0] = KVM_CPUID_FEATURES;
		memcpy(&out[1], "KVMKVMKVM\0\0\0", 12);
		break;
	case KVM_CPUID_FEATURES:
		/* no paravirtual features (kvmclock, async PF ...) are implemented */
		break;
	case 0x80000000:
		out[0] = 0x80000008;
		break;
	case 0x80000001:
		out[2] = FXC_LAHF_LM | FXC_ABM;
		out[3] = FX_SYSCALL | FX_NX | FX_PDPE1GB | FX_RDTSCP | FX_LM;
		break;
	case 0x80000002 ... 0x80000004: {
		char brand[48] = CPUID_BRAND;

		memcpy(out, brand + 16 * (leaf - 0x80000002), 16);
		break;
	}
	case 0x80000008:
		/* the walker's MAXPHYADDR (walk.h) and 48 linear address bits */
		out[0] = 48u << 8 | MAXPHYADDR;
		break;
	}
}

void x86_cpuid_vcpu(struct x86_cpu *c, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	for (unsigned k = 0; k < c->ncpuid; k++) {
		const struct cpuid_entry *e = &c->cpuid[k];

		if (e->leaf == leaf && (!e->has_sub || e->sub == sub)) {
			memcpy(out, e->r, sizeof(e->r));
			return;
		}
	}
	x86_cpuid(c->v->id, leaf, sub, out);
}

int x86_cpuid_has(struct x86_cpu *c, uint32_t leaf, unsigned reg, unsigned bit)
{
	uint32_t r[4];

	x86_cpuid_vcpu(c, leaf, 0, r);
	return r[reg] >> bit & 1;
}

/* ---- the cpuid file ---- */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "vmm/text.h"

#define CPUID_MAX_ENTRIES 64

static const uint32_t model_leaves[] = { 0, 1, 7, 0xa, KVM_CPUID_SIGNATURE, KVM_CPUID_FEATURES, 0x80000000,
					 0x80000001, 0x80000002, 0x80000003, 0x80000004, 0x80000008 };

static void render_leaf(struct buf *b, uint32_t leaf, uint32_t sub, const uint32_t r[4])
{
	buf_printf(b, "leaf=0x%x sub=0x%x eax=0x%x ebx=0x%x ecx=0x%x edx=0x%x\n", leaf, sub, r[0], r[1],
		   r[2], r[3]);
}

/* The model's leaves as the guest sees them now, then the other leaves userspace set. */
static void cpuid_render(struct vcpu *v, struct buf *b)
{
	struct x86_cpu *c = x86_of(v);
	uint32_t r[4];

	for (unsigned k = 0; k < sizeof(model_leaves) / sizeof(model_leaves[0]); k++) {
		x86_cpuid_vcpu(c, model_leaves[k], 0, r);
		render_leaf(b, model_leaves[k], 0, r);
	}
	for (unsigned k = 0; k < c->ncpuid; k++) {
		const struct cpuid_entry *e = &c->cpuid[k];
		int shown = 0;

		for (unsigned m = 0; m < sizeof(model_leaves) / sizeof(model_leaves[0]); m++)
			shown |= model_leaves[m] == e->leaf && !e->sub;
		if (!shown)
			render_leaf(b, e->leaf, e->sub, e->r);
	}
}

/*
 * "leaf=N [sub=N] [eax=..] [ebx=..] [ecx=..] [edx=..] [vendor=STRING]": registers not given
 * keep what the leaf returns now.  Only before the vcpu first runs, as
 * KVM_SET_CPUID2 after KVM_RUN is refused.
 */
static int cpuid_write(struct vcpu *v, struct kvlist *kv, char *why, size_t whylen)
{
	static const char *const regn[4] = { "eax", "ebx", "ecx", "edx" };
	struct x86_cpu *c = x86_of(v);
	struct cpuid_entry e = { 0 }, *n;
	uint64_t val;
	int have_leaf = 0;
	unsigned k;

	if (c->ran) {
		snprintf(why, whylen, "the vcpu has run: cpuid can only be set before the first run");
		return -EBUSY;
	}
	for (int t = 0; t < kv->n; t++) {
		const char *key = kv->kv[t].key, *s = kv->kv[t].val;

		if (!strcmp(key, "vendor") && s)
			continue;
		if (!s || parse_uint(s, 32, &val)) {
			snprintf(why, whylen, "'%s': expected leaf=N [sub=N] [eax=N] [ebx=N] [ecx=N] [edx=N], 32-bit numbers", key);
			return !s || parse_uint(s, 64, &val) ? -EINVAL : -ERANGE;
		}
		if (!strcmp(key, "leaf")) {
			e.leaf = val;
			have_leaf = 1;
		} else if (!strcmp(key, "sub")) {
			e.sub = val;
			e.has_sub = 1;
		}
	}
	if (!have_leaf) {
		snprintf(why, whylen, "leaf=N is required");
		return -EINVAL;
	}
	x86_cpuid_vcpu(c, e.leaf, e.sub, e.r);
	for (int t = 0; t < kv->n; t++) {
		const char *key = kv->kv[t].key;

		for (k = 0; k < 4 && strcmp(key, regn[k]); k++)
			;
		if (k < 4) {
			parse_uint(kv->kv[t].val, 32, &val);
			e.r[k] = val;
		} else if (!strcmp(key, "vendor")) {
			/* the 12 characters of leaf 0, in the order ebx, edx, ecx */
			const char *vs = kv->kv[t].val;

			if (e.leaf != 0 || strlen(vs) != 12) {
				snprintf(why, whylen, "vendor=%s: 12 characters, with leaf=0", vs);
				return -EINVAL;
			}
			memcpy(&e.r[1], vs, 4);
			memcpy(&e.r[3], vs + 4, 4);
			memcpy(&e.r[2], vs + 8, 4);
		} else if (strcmp(key, "leaf") && strcmp(key, "sub")) {
			snprintf(why, whylen, "unknown field '%s': expected leaf, sub, eax, ebx, ecx, edx, vendor", key);
			return -EINVAL;
		}
	}
	for (k = 0; k < c->ncpuid; k++)
		if (c->cpuid[k].leaf == e.leaf && c->cpuid[k].sub == e.sub && c->cpuid[k].has_sub == e.has_sub)
			break;
	if (k == c->ncpuid) {
		if (k == CPUID_MAX_ENTRIES) {
			snprintf(why, whylen, "at most %d cpuid leaves can be set", CPUID_MAX_ENTRIES);
			return -ENOSPC;
		}
		n = realloc(c->cpuid, (k + 1) * sizeof(*n));
		if (!n) {
			snprintf(why, whylen, "out of memory");
			return -ENOMEM;
		}
		c->cpuid = n;
		c->ncpuid++;
	}
	c->cpuid[k] = e;
	return 0;
}

const struct vcpu_file x86_cpuid_file = {
	.name = "cpuid", .mode = 0600, .render = cpuid_render, .write = cpuid_write,
};
