/* State files (regs, sregs, events ...): any arch's field table, rendered and parsed one way. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "files.h"

static uint64_t field_get(const void *st, const struct reg_desc *f)
{
	uint64_t v = 0;

	/* little-endian host: the low bytes of v are the field */
	memcpy(&v, (const uint8_t *)st + f->offset, f->width);
	return v;
}

void state_render(struct vcpu *v, const struct state_desc *d, struct buf *out)
{
	uint8_t st[d->size];

	vcpu_hold(v);
	d->get(v, st);
	vcpu_release(v);
	for (unsigned i = 0; i < d->nfields; i++) {
		const struct reg_desc *f = &d->fields[i];

		buf_printf(out, f->flags & REG_DEC ? "%s=%llu\n" : "%s=0x%llx\n", f->name,
			   (unsigned long long)field_get(st, f));
	}
}

static const struct reg_desc *field_find(const struct state_desc *d, const char *name)
{
	for (unsigned i = 0; i < d->nfields; i++)
		if (!strcmp(d->fields[i].name, name))
			return &d->fields[i];
	return NULL;
}

int state_write(struct wctx *w, struct vcpu *v, const struct state_desc *d, char *text)
{
	uint64_t written[(d->nfields + 63) / 64], vals[KV_MAX];
	const struct reg_desc *fields[KV_MAX];
	uint8_t st[d->size];
	char why[256] = "invalid";
	struct kvlist kv;
	int r;

	if (!d->set)
		return refuse(w, -EACCES, "%s is read-only", d->file);
	if (kv_split(text, &kv))
		return refuse(w, -E2BIG, "too many fields in one write (at most %d)", KV_MAX);
	if (!kv.n)
		return refuse(w, -EINVAL, "empty write; expected name=value ...");
	for (int i = 0; i < kv.n; i++) {
		const struct reg_desc *f = field_find(d, kv.kv[i].key);

		if (!f)
			return refuse(w, -EINVAL, "no field '%.40s' in %s (cat it to see the names)",
				      kv.kv[i].key, d->file);
		if (!kv.kv[i].val)
			return refuse(w, -EINVAL, "'%s' needs a value: %s=VALUE", f->name, f->name);
		if (f->flags & REG_RO)
			return refuse(w, -EINVAL, "%s is read-only", f->name);
		r = parse_uint(kv.kv[i].val, f->width * 8, &vals[i]);
		if (r == -ERANGE)
			return refuse(w, r, "%s=%.40s does not fit in %u bits", f->name, kv.kv[i].val,
				      f->width * 8);
		if (r)
			return refuse(w, r, "%s=%.40s is not a number", f->name, kv.kv[i].val);
		fields[i] = f;
	}
	memset(written, 0, sizeof(written));
	memset(st, 0, d->size);		/* padding too: arches may compare whole structs */
	vcpu_hold(v);
	d->get(v, st);
	for (int i = 0; i < kv.n; i++) {
		unsigned idx = fields[i] - d->fields;

		memcpy(st + fields[i]->offset, &vals[i], fields[i]->width);
		written[idx / 64] |= 1ull << (idx % 64);
	}
	r = d->set(v, st, written, why, sizeof(why));
	vcpu_release(v);
	return r ? refuse(w, r, "%s", why) : 0;
}
