/*
 * A 16550 UART.  Transmission is immediate (THR -> the VM's console), so
 * THRE and TEMT are always set; received bytes come from the console's
 * input queue, or in loopback mode (MCR bit 4) from what the guest sent.
 * Baud rate and line settings are stored for the guest to read back and
 * have no other effect.
 *
 * Lock order: the UART's mutex, then the console's lock.
 */
#include <pthread.h>
#include <stdlib.h>

#include "console.h"
#include "uart16550.h"
#include "vm.h"

enum { RBR_THR, IER, IIR_FCR, LCR, MCR, LSR, MSR, SCR };

#define IER_RDA 0x01
#define IER_THRE 0x02
#define IER_RLS 0x04
#define IER_MSI 0x08
#define IIR_NONE 0x01
#define IIR_MSI 0x00
#define IIR_THRE 0x02
#define IIR_RDA 0x04
#define IIR_FIFO 0xc0
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define LCR_DLAB 0x80
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

#define LOOP_FIFO 16

struct uart16550 {
	pthread_mutex_t mu;
	struct vm *vm;
	void (*irq)(void *, int);
	void *irq_opaque;
	int level;
	uint8_t ier, fcr, lcr, mcr, msr, scr, dll, dlm;
	int thre_pending;	/* THR became empty and the guest has not seen it in IIR */
	uint8_t loop[LOOP_FIFO];
	unsigned loop_head, loop_len;
};

static int rx_ready(struct uart16550 *u)
{
	if (u->mcr & MCR_LOOP)
		return u->loop_len != 0;
	return console_in_avail(&u->vm->console) != 0;
}

static uint8_t iir(struct uart16550 *u)
{
	uint8_t fifo = u->fcr & FCR_ENABLE ? IIR_FIFO : 0;

	if ((u->ier & IER_RDA) && rx_ready(u))
		return fifo | IIR_RDA;
	if ((u->ier & IER_THRE) && u->thre_pending)
		return fifo | IIR_THRE;
	if ((u->ier & IER_MSI) && (u->msr & 0x0f))
		return fifo | IIR_MSI;
	return fifo | IIR_NONE;
}

static void update_irq(struct uart16550 *u)
{
	int level = !(iir(u) & IIR_NONE);

	if (level != u->level && u->irq)
		u->irq(u->irq_opaque, level);
	u->level = level;
}

/* Modem status: the far end is always ready; in loopback the MCR outputs feed back. */
static void update_msr(struct uart16550 *u)
{
	uint8_t now = MSR_CTS | MSR_DSR | MSR_DCD, delta;

	if (u->mcr & MCR_LOOP)
		now = (u->mcr & MCR_RTS ? MSR_CTS : 0) | (u->mcr & MCR_DTR ? MSR_DSR : 0) |
		      (u->mcr & MCR_OUT1 ? MSR_RI : 0) | (u->mcr & MCR_OUT2 ? MSR_DCD : 0);
	delta = (now ^ u->msr) & 0xf0;
	/* bits 0-3: CTS, DSR changed; RI went low (trailing edge); DCD changed */
	u->msr = now | (u->msr & 0x0f) | ((delta & 0xb0) >> 4) |
		 ((delta & MSR_RI) && !(now & MSR_RI) ? 0x04 : 0);
}

static uint8_t rx_byte(struct uart16550 *u)
{
	int b;

	if (u->mcr & MCR_LOOP) {
		if (!u->loop_len)
			return 0;
		b = u->loop[u->loop_head];
		u->loop_head = (u->loop_head + 1) % LOOP_FIFO;
		u->loop_len--;
		return b;
	}
	b = console_in_get(&u->vm->console);
	return b < 0 ? 0 : b;
}

static void tx_byte(struct uart16550 *u, uint8_t b)
{
	if (u->mcr & MCR_LOOP) {
		if (u->loop_len < LOOP_FIFO)
			u->loop[(u->loop_head + u->loop_len++) % LOOP_FIFO] = b;
	} else {
		console_out(&u->vm->console, &b, 1);
	}
	u->thre_pending = 1;
}

static uint64_t uart_read(void *opaque, uint64_t off, unsigned size)
{
	struct uart16550 *u = opaque;
	uint8_t v = 0;

	(void)size;
	pthread_mutex_lock(&u->mu);
	switch (off) {
	case RBR_THR:
		v = u->lcr & LCR_DLAB ? u->dll : rx_byte(u);
		break;
	case IER:
		v = u->lcr & LCR_DLAB ? u->dlm : u->ier;
		break;
	case IIR_FCR:
		v = iir(u);
		if ((v & 0x0f) == IIR_THRE)
			u->thre_pending = 0;	/* reading IIR acknowledges THRE */
		break;
	case LCR:
		v = u->lcr;
		break;
	case MCR:
		v = u->mcr;
		break;
	case LSR:
		v = LSR_THRE | LSR_TEMT | (rx_ready(u) ? LSR_DR : 0);
		break;
	case MSR:
		update_msr(u);
		v = u->msr;
		u->msr &= 0xf0;
		break;
	case SCR:
		v = u->scr;
		break;
	}
	update_irq(u);
	pthread_mutex_unlock(&u->mu);
	return v;
}

static void uart_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	struct uart16550 *u = opaque;
	uint8_t v = val;

	(void)size;
	pthread_mutex_lock(&u->mu);
	switch (off) {
	case RBR_THR:
		if (u->lcr & LCR_DLAB)
			u->dll = v;
		else
			tx_byte(u, v);
		break;
	case IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = v;
		} else {
			/* enabling THRE with an empty THR interrupts at once, as on hardware */
			if ((v & IER_THRE) && !(u->ier & IER_THRE))
				u->thre_pending = 1;
			u->ier = v & 0x0f;
		}
		break;
	case IIR_FCR:
		/* clearing the receive FIFO drops loopback data only: console
		 * input typed before the guest set up its UART is kept */
		if (v & FCR_CLEAR_RX)
			u->loop_len = 0;
		u->fcr = v & (FCR_ENABLE | 0xc0);
		break;
	case LCR:
		u->lcr = v;
		break;
	case MCR:
		u->mcr = v & 0x1f;
		update_msr(u);
		break;
	case SCR:
		u->scr = v;
		break;
	default:	/* LSR and MSR are read-only */
		break;
	}
	update_irq(u);
	pthread_mutex_unlock(&u->mu);
}

const struct io_dev_ops uart16550_ops = {
	.read = uart_read,
	.write = uart_write,
};

/* Console input arrived: the receive interrupt may now be due. */
static void uart_input(void *opaque)
{
	struct uart16550 *u = opaque;

	pthread_mutex_lock(&u->mu);
	update_irq(u);
	pthread_mutex_unlock(&u->mu);
}

/* Registers to their power-on values: a machine reset (the console's
 * output and queued input are the host's side and stay). */
void uart16550_reset(struct uart16550 *u)
{
	pthread_mutex_lock(&u->mu);
	u->ier = u->fcr = u->lcr = u->mcr = u->scr = u->dll = u->dlm = 0;
	u->msr = MSR_CTS | MSR_DSR | MSR_DCD;
	u->thre_pending = 0;
	u->loop_head = u->loop_len = 0;
	update_irq(u);
	pthread_mutex_unlock(&u->mu);
}

struct uart16550 *uart16550_create(struct vm *vm, void (*irq)(void *, int), void *irq_opaque)
{
	struct uart16550 *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	pthread_mutex_init(&u->mu, NULL);
	u->vm = vm;
	u->irq = irq;
	u->irq_opaque = irq_opaque;
	u->msr = MSR_CTS | MSR_DSR | MSR_DCD;
	vm->console.on_input_opaque = u;
	vm->console.on_input = uart_input;
	return u;
}

void uart16550_free(struct uart16550 *u)
{
	if (!u)
		return;
	if (u->vm->console.on_input_opaque == u) {
		u->vm->console.on_input = NULL;
		u->vm->console.on_input_opaque = NULL;
	}
	pthread_mutex_destroy(&u->mu);
	free(u);
}
