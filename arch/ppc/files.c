/*
 * The per-vcpu `tlb` (the guest's 64 entries, writable like a userspace
 * tlbwe) and `mmu` (the shadow TLB and the engine's counters) files, and the
 * VM's `dtb`.
 *
 *   $ cat cpu/0/tlb | head -1
 *   index=0 valid=1 tid=0x0 ts=0 epn=0x0 size=256M rpn=0x0 erpn=0x0 ux=0 uw=0 ur=0 sx=1 sw=1 sr=1 w=0 i=0 m=0 g=0 e=0 u0=0 u1=0 u2=0 u3=0
 *   $ echo "index=5 valid=1 epn=0x10000000 size=4K rpn=0x200000 sr=1 sw=1" > cpu/0/tlb
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ppc.h"
#include "vmm/text.h"

static const char *const size_names[16] = {
	"1K", "4K", "16K", "64K", "256K", "1M", "4M", "16M", "64M", "256M", "1G", "4G",
};

/* The one-bit fields of word 2, in the order they are shown. */
static const struct { const char *name; uint32_t bit; } w2_bits[] = {
	{ "ux", TLB2_UX }, { "uw", TLB2_UW }, { "ur", TLB2_UR }, { "sx", TLB2_SX },
	{ "sw", TLB2_SW }, { "sr", TLB2_SR }, { "w", TLB2_W }, { "i", TLB2_I }, { "m", TLB2_M },
	{ "g", TLB2_G }, { "e", TLB2_E }, { "u0", TLB2_U(0) }, { "u1", TLB2_U(1) },
	{ "u2", TLB2_U(2) }, { "u3", TLB2_U(3) },
};
#define NW2 (sizeof(w2_bits) / sizeof(w2_bits[0]))

static void tlb_render(struct vcpu *v, struct buf *out)
{
	struct ppc *c = PPC(v);

	for (int i = 0; i < GTLB_N; i++) {
		const struct gtlbe *e = &c->gtlb[i];
		const char *sz = size_names[TLB0_SIZE(e->w0)];

		buf_printf(out, "index=%d valid=%d tid=0x%x ts=%d epn=0x%x size=%s rpn=0x%x erpn=0x%x", i,
			   !!(e->w0 & TLB0_V), e->tid, !!(e->w0 & TLB0_TS), e->w0 & TLB0_EPN,
			   sz ? sz : "invalid", e->w1 & TLB1_RPN, e->w1 & TLB1_ERPN);
		for (unsigned b = 0; b < NW2; b++)
			buf_printf(out, " %s=%d", w2_bits[b].name, !!(e->w2 & w2_bits[b].bit));
		buf_printf(out, "\n");
	}
}

static int size_code(uint64_t bytes)
{
	/* the sizes the 440 implements */
	static const uint8_t ok[] = { 0, 1, 2, 3, 4, 5, 7, 9 };

	for (unsigned i = 0; i < sizeof(ok); i++)
		if (bytes == 1024ull << (2 * ok[i]))
			return ok[i];
	return -1;
}

static int tlb_write_file(struct vcpu *v, struct kvlist *kv, char *why, size_t whylen)
{
	struct ppc *c = PPC(v);
	struct gtlbe e;
	uint64_t val, idx = GTLB_N;
	int i, sz;

	for (i = 0; i < kv->n; i++)
		if (!strcmp(kv->kv[i].key, "index") && kv->kv[i].val &&
		    !parse_uint(kv->kv[i].val, 8, &idx))
			break;
	if (idx >= GTLB_N) {
		snprintf(why, whylen, "give index=0..63, the entry to write");
		return -EINVAL;
	}
	e = c->gtlb[idx];
	for (i = 0; i < kv->n; i++) {
		const char *k = kv->kv[i].key, *s = kv->kv[i].val;
		unsigned b;

		if (!strcmp(k, "index"))
			continue;
		if (!s || parse_u64(s, &val)) {
			snprintf(why, whylen, "%s: expected %s=NUMBER", k, k);
			return -EINVAL;
		}
		if (!strcmp(k, "size")) {
			if ((sz = size_code(val)) < 0) {
				snprintf(why, whylen, "size=%s: the 440 has 1K 4K 16K 64K 256K 1M 16M 256M", s);
				return -EINVAL;
			}
			e.w0 = (e.w0 & ~0xf0u) | sz << 4;
			continue;
		}
		if (!strcmp(k, "valid") || !strcmp(k, "ts")) {
			uint32_t bit = k[0] == 'v' ? TLB0_V : TLB0_TS;
			if (val > 1)
				goto bit_range;
			e.w0 = (e.w0 & ~bit) | (val ? bit : 0);
		} else if (!strcmp(k, "tid")) {
			if (val > 0xff) {
				snprintf(why, whylen, "tid=%s: TIDs are 0-255", s);
				return -ERANGE;
			}
			e.tid = val;
		} else if (!strcmp(k, "epn") || !strcmp(k, "rpn")) {
			if (val > 0xffffffffu || (val & 0x3ff)) {
				snprintf(why, whylen, "%s=%s: a 32-bit address, 1 KiB aligned", k, s);
				return -EINVAL;
			}
			if (k[0] == 'e')
				e.w0 = (e.w0 & ~TLB0_EPN) | (uint32_t)val;
			else
				e.w1 = (e.w1 & ~TLB1_RPN) | (uint32_t)val;
		} else if (!strcmp(k, "erpn")) {
			if (val > 0xf) {
				snprintf(why, whylen, "erpn=%s: the extended RPN is 4 bits", s);
				return -ERANGE;
			}
			e.w1 = (e.w1 & ~TLB1_ERPN) | (uint32_t)val;
		} else {
			for (b = 0; b < NW2 && strcmp(k, w2_bits[b].name); b++)
				;
			if (b == NW2) {
				snprintf(why, whylen, "%s: unknown; fields are index valid tid ts epn size "
					 "rpn erpn ux uw ur sx sw sr w i m g e u0-u3", k);
				return -EINVAL;
			}
			if (val > 1)
				goto bit_range;
			e.w2 = (e.w2 & ~w2_bits[b].bit) | (val ? w2_bits[b].bit : 0);
		}
		continue;
bit_range:
		snprintf(why, whylen, "%s=%s: a flag, 0 or 1", k, s);
		return -ERANGE;
	}
	if ((e.w0 & TLB0_EPN) & (gtlb_size(&e) - 1) & TLB0_EPN) {
		snprintf(why, whylen, "epn=0x%x is not aligned to the page size", e.w0 & TLB0_EPN);
		return -EINVAL;
	}
	tlb_set_entry(c, idx, &e);
	return 0;
}

const struct vcpu_file ppc_tlb_file = {
	.name = "tlb", .mode = 0600, .render = tlb_render, .write = tlb_write_file,
};

static void perm_str(uint8_t p, char *s)
{
	s[0] = p & TLB2_SR ? 'r' : '-';
	s[1] = p & TLB2_SW ? 'w' : '-';
	s[2] = p & TLB2_SX ? 'x' : '-';
	s[3] = p & TLB2_UR ? 'r' : '-';
	s[4] = p & TLB2_UW ? 'w' : '-';
	s[5] = p & TLB2_UX ? 'x' : '-';
	s[6] = 0;
}

static void mmu_render(struct vcpu *v, struct buf *out)
{
	struct ppc *c = PPC(v);
	char perm[8];

	for (int i = 0; i < STLB_N; i++) {
		const struct stlbe *s = &c->stlb[i];

		if (!s->valid)
			continue;
		perm_str(s->perm, perm);
		buf_printf(out, "shadow=%d ea=0x%x tid=0x%x ts=%d gpa=0x%llx perm=%s guest=%d\n", i,
			   s->vpn << 12, s->tid, s->ts, (unsigned long long)s->gpa, perm, s->gidx);
	}
	for (unsigned i = 0; i < PS_NR; i++)
		buf_printf(out, "%s=%llu\n", v->vm->arch->stat_names[i], (unsigned long long)v->astat[i]);
}

const struct vcpu_file ppc_mmu_file = { .name = "mmu", .mode = 0400, .render = mmu_render };

static void dtb_render(struct vm *vm, struct buf *out)
{
	struct ppc_vm *p = PPCVM(vm);

	if (p->dtb)
		buf_put(out, p->dtb, p->dtb_len);
}

const struct vm_file ppc_dtb_file = { .name = "dtb", .mode = 0400, .render = dtb_render };
