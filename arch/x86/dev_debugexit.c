/*
 * The debug-exit device (port 0xf4, like QEMU's isa-debug-exit): a 1-4
 * byte write of N ends the writing vcpu's run with system_event type=exit
 * code=N.  The device only records the write; the out instruction that made
 * it turns it into the exit (exec_sys.c), since a device does not know
 * which vcpu wrote.
 */
#include "platform.h"
#include "vmm/iobus.h"
#include "vmm/vm.h"

static uint64_t debugexit_read(void *opaque, uint64_t off, unsigned size)
{
	(void)opaque;
	(void)off;
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;	/* nothing to read: floating bus */
}

static void debugexit_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	struct debugexit *d = opaque;

	(void)off;
	(void)size;
	d->code = val;
	__atomic_store_n(&d->pending, 1, __ATOMIC_RELEASE);
}

static const struct io_dev_ops debugexit_ops = {
	.read = debugexit_read,
	.write = debugexit_write,
};

int debugexit_init(struct vm *vm, struct debugexit *d)
{
	return iobus_register(&vm->pio, DEBUGEXIT_PORT, 4, &debugexit_ops, d, "debug-exit");
}

int debugexit_take(struct debugexit *d, uint64_t *code)
{
	if (!__atomic_exchange_n(&d->pending, 0, __ATOMIC_ACQUIRE))
		return 0;
	*code = d->code;
	return 1;
}
