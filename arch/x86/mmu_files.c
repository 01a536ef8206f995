/*
 * The engine's files under cpu/N/: tlb (the translations the shadow tables
 * hold for the current root; writes flush and invlpg ADDR), mmu (the shadow
 * page cache and its limit), translate (a walk of the guest tables without
 * side effects, like KVM_TRANSLATE).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cpu.h"
#include "mmu.h"
#include "vmm/text.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

static void rights_str(unsigned r, char *s)
{
	s[0] = 'r';
	s[1] = r & RIGHT_W ? 'w' : '-';
	s[2] = r & RIGHT_X ? 'x' : '-';
	s[3] = r & RIGHT_U ? 'u' : 's';
	s[4] = 0;
}

/* Page size of a guest translation, from how its leaf is shadowed. */
static const char *size_of(const struct x86_mmu *m, const struct sp *leaf, const struct sp *parent)
{
	if (!leaf->role.direct || !m->wm.levels)
		return "4K";
	if (parent->role.direct)
		return "1G";
	return m->wm.levels == 2 ? "4M" : "2M";
}

static void tlb_walk(struct buf *out, const struct x86_mmu *m, const struct sp *sp,
		     const struct sp *parent, uint64_t va)
{
	char r[8];

	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = sp->spt[i], a = va | (uint64_t)i << (12 + 9 * (sp->role.level - 1));

		if (!(e & SPTE_P))
			continue;
		if (sp->role.level > 1) {
			tlb_walk(out, m, (const struct sp *)(uintptr_t)(e & ~SPTE_P), sp, a);
			continue;
		}
		if (m->wm.levels == 4 && (a >> 47))
			a |= 0xffff000000000000ull;
		rights_str((e >> SPTE_RIGHTS_SHIFT) & RIGHT_ALL, r);
		buf_printf(out, "gva=0x%llx gpa=0x%llx rights=%s writable=%d size=%s\n",
			   (unsigned long long)a, (unsigned long long)(e & ~0xfffull), r,
			   !!(e & SPTE_HW), size_of(m, sp, parent));
	}
}

static void tlb_render(struct vcpu *v, struct buf *out)
{
	const struct x86_mmu *m = x86_of(v)->mmu;

	if (m->root)
		tlb_walk(out, m, m->root, m->root, 0);
}

static int tlb_write(struct vcpu *v, struct kvlist *kv, char *why, size_t whylen)
{
	struct x86_cpu *c = x86_of(v);
	uint64_t a;

	if (kv->n == 1 && !strcmp(kv->kv[0].key, "flush") && !kv->kv[0].val) {
		mmu_zap_all(c);
		return 0;
	}
	if (kv->n == 2 && !strcmp(kv->kv[0].key, "invlpg") && !kv->kv[0].val && !kv->kv[1].val) {
		if (parse_u64(kv->kv[1].key, &a)) {
			snprintf(why, whylen, "invlpg %s: an address", kv->kv[1].key);
			return -EINVAL;
		}
		mmu_invlpg(c, a);
		return 0;
	}
	snprintf(why, whylen, "commands are 'flush' and 'invlpg ADDR'");
	return -EINVAL;
}

const struct vcpu_file x86_tlb_file = { .name = "tlb", .mode = 0600, .render = tlb_render, .write = tlb_write };

static void mmu_render(struct vcpu *v, struct buf *out)
{
	const struct x86_mmu *m = x86_of(v)->mmu;

	for (const struct sp *sp = m->lru.lru_next; sp != &m->lru; sp = sp->lru_next) {
		unsigned n = 0;

		for (unsigned i = 0; i < 512; i++)
			n += sp->spt[i] & SPTE_P;
		buf_printf(out, "gfn=0x%llx level=%u glevels=%u direct=%u quadrant=%u access=%u nxe=%u "
			   "root_count=%u parents=%u sptes=%u unsync=%u write_protected=%d\n",
			   (unsigned long long)sp->gfn, sp->role.level, sp->role.glevels, sp->role.direct,
			   sp->role.quadrant, sp->role.access, sp->role.nxe, sp->root_count, sp->nparents, n,
			   sp->unsync, !sp->role.direct && !sp->unsync);
	}
	buf_printf(out, "paging_levels=%u\nshadow_pages=%u\nlimit=%u\ntlb_sets_max=%u\n", m->wm.levels, m->nsp,
		   m->limit, tlb_sets_max(x86_of(v)));
	for (unsigned i = 0; i < v->vm->arch->nstats; i++)
		buf_printf(out, "%s=%llu\n", v->vm->arch->stat_names[i], (unsigned long long)v->astat[i]);
}

static int mmu_write(struct vcpu *v, struct kvlist *kv, char *why, size_t whylen)
{
	struct x86_cpu *c = x86_of(v);
	uint64_t n;

	if (kv->n != 1 || strcmp(kv->kv[0].key, "limit") || !kv->kv[0].val) {
		snprintf(why, whylen, "write limit=N (shadow pages kept, 8-1000000)");
		return -EINVAL;
	}
	if (parse_u64(kv->kv[0].val, &n) || n < 8 || n > 1000000) {
		snprintf(why, whylen, "limit=%s: between 8 and 1000000 shadow pages", kv->kv[0].val);
		return -ERANGE;
	}
	c->mmu->limit = n;
	return 0;
}

const struct vcpu_file x86_mmu_file = { .name = "mmu", .mode = 0600, .render = mmu_render, .write = mmu_write };

static void translate_render(struct vcpu *v, struct buf *out)
{
	const struct translate_result *t = &x86_of(v)->mmu->tr;
	char r[8];

	if (t->status < 0)
		return;
	buf_printf(out, "gva=0x%llx\n", (unsigned long long)t->gva);
	if (t->status == WALK_OK) {
		rights_str(t->rights, r);
		buf_printf(out, "valid=1\ngpa=0x%llx\nrights=%s\nwriteable=%d\nusermode=%d\nlevel=%u\n",
			   (unsigned long long)t->gpa, r, !!(t->rights & RIGHT_W), !!(t->rights & RIGHT_U),
			   t->level);
	} else if (t->status == WALK_PF) {
		buf_printf(out, "valid=0\nfault=pf\nerror=0x%x\n", t->error);
	} else {
		buf_printf(out, "valid=0\nfault=gp\n");
	}
}

/* gva=ADDR [access=r|w|x] [user=0|1]: the walk a CPU access would make, without A/D updates. */
static int translate_write(struct vcpu *v, struct kvlist *kv, char *why, size_t whylen)
{
	struct x86_cpu *c = x86_of(v);
	uint64_t gva = 0;
	unsigned access = 0;
	int have = 0, user = 0;

	for (int i = 0; i < kv->n; i++) {
		const char *k = kv->kv[i].key, *val = kv->kv[i].val;

		if (!val) {
			snprintf(why, whylen, "%s: fields are gva=ADDR access=r|w|x user=0|1", k);
			return -EINVAL;
		}
		if (!strcmp(k, "gva")) {
			if (parse_u64(val, &gva)) {
				snprintf(why, whylen, "gva=%s: an address", val);
				return -EINVAL;
			}
			have = 1;
		} else if (!strcmp(k, "access") && (!strcmp(val, "r") || !strcmp(val, "w") || !strcmp(val, "x"))) {
			access = val[0] == 'w' ? PFERR_W : val[0] == 'x' ? PFERR_ID : 0;
		} else if (!strcmp(k, "user") && !parse_bool(val, &user)) {
			;
		} else {
			snprintf(why, whylen, "%s=%s: fields are gva=ADDR access=r|w|x user=0|1", k, val);
			return -EINVAL;
		}
	}
	if (!have) {
		snprintf(why, whylen, "gva=ADDR is needed");
		return -EINVAL;
	}
	mmu_translate_probe(c, gva, access | (user ? PFERR_U : 0), &c->mmu->tr);
	return 0;
}

const struct vcpu_file x86_translate_file = {
	.name = "translate", .mode = 0600, .render = translate_render, .write = translate_write,
};
