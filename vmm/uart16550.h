/*
 * The 16550 UART both platforms use (COM1 on x86 at port 0x3f8, UART0 on
 * the 440 at 0xef600300).  Output goes to the VM's console, input comes
 * from writes to it.  Registers are byte-wide at offsets 0-7.
 */
#ifndef VMM_UART16550_H
#define VMM_UART16550_H

#include "iobus.h"

struct vm;
struct uart16550;

/* irq(opaque, level) drives the UART's interrupt line; may be NULL. */
struct uart16550 *uart16550_create(struct vm *vm, void (*irq)(void *, int), void *irq_opaque);
void uart16550_free(struct uart16550 *u);
void uart16550_reset(struct uart16550 *u);
extern const struct io_dev_ops uart16550_ops;	/* register with the uart as opaque */

#endif
