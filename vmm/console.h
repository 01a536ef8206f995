/*
 * A VM's serial console.  Output is a growing stream: readers address it by
 * offset since the VM started, like a log file; the newest CONSOLE_KEEP
 * bytes are kept and older ones are counted as dropped, never silently lost.
 * Input is a bounded queue the UART drains.
 */
#ifndef VMM_CONSOLE_H
#define VMM_CONSOLE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_KEEP (1u << 20)
#define CONSOLE_IN_MAX 4096

struct console {
	pthread_mutex_t lock;
	uint8_t *out;			/* ring of CONSOLE_KEEP bytes */
	uint64_t total;			/* bytes ever written */
	uint8_t in[CONSOLE_IN_MAX];
	unsigned in_head, in_len;
	uint64_t in_dropped;
	/* Called (without the lock) when input arrives: the UART raises its interrupt. */
	void (*on_input)(void *opaque);
	void *on_input_opaque;
};

int console_init(struct console *c);
void console_free(struct console *c);
void console_out(struct console *c, const void *data, size_t len);
/* Copy output from stream offset `off`; returns bytes copied (0 at the end).
 * An offset older than what is kept reads from the oldest kept byte. */
size_t console_read(struct console *c, uint64_t off, void *dst, size_t len);
uint64_t console_size(struct console *c);
uint64_t console_dropped(struct console *c);
/* Queue input; returns how many bytes fit. */
size_t console_in_put(struct console *c, const void *data, size_t len);
/* Next input byte, or -1. */
int console_in_get(struct console *c);
unsigned console_in_avail(struct console *c);

/* fs/ sets this to wake pollers of a console when output grows. */
extern void (*console_notify)(struct console *c);

#endif
