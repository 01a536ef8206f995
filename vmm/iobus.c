#include <errno.h>
#include <string.h>

#include "iobus.h"

int iobus_register(struct iobus *bus, uint64_t base, uint64_t len,
		   const struct io_dev_ops *ops, void *opaque, const char *name)
{
	int i;

	if (!len || base + len - 1 < base)
		return -EINVAL;
	if (bus->n == IOBUS_MAX)
		return -ENOSPC;
	for (i = 0; i < bus->n; i++) {
		const struct io_range *r = &bus->r[i];

		if (base < r->base + r->len && r->base < base + len)
			return -EEXIST;
	}
	for (i = bus->n; i > 0 && bus->r[i - 1].base > base; i--)
		bus->r[i] = bus->r[i - 1];
	bus->r[i] = (struct io_range){ base, len, ops, opaque, name };
	bus->n++;
	return 0;
}

const struct io_range *iobus_find(const struct iobus *bus, uint64_t addr)
{
	int lo = 0, hi = bus->n - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		const struct io_range *r = &bus->r[mid];

		if (addr < r->base)
			hi = mid - 1;
		else if (addr - r->base >= r->len)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}
