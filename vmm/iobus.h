/*
 * The I/O bus: devices claim port (PIO) or physical-address (MMIO) ranges.
 * Accesses nobody claims exit to userspace.  Registration happens at VM
 * setup, before any vcpu runs, so lookups need no lock; each device
 * serialises its own state.
 */
#ifndef VMM_IOBUS_H
#define VMM_IOBUS_H

#include <stdint.h>

struct io_dev_ops {
	/* offset is relative to the range's base; size is 1, 2, 4 or 8. */
	uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
	void (*write)(void *opaque, uint64_t offset, unsigned size, uint64_t val);
};

struct io_range {
	uint64_t base, len;
	const struct io_dev_ops *ops;
	void *opaque;
	const char *name;
};

#define IOBUS_MAX 32
struct iobus {
	int n;
	struct io_range r[IOBUS_MAX];	/* sorted by base */
};

int iobus_register(struct iobus *bus, uint64_t base, uint64_t len,
		   const struct io_dev_ops *ops, void *opaque, const char *name);
const struct io_range *iobus_find(const struct iobus *bus, uint64_t addr);

#endif
