/*
 * A VM's serial console.  Output is a growing stream: readers address it by
 * offset since the VM started, like a log file.  It is kept whole up to the
 * VM's console_max bytes (the newest console_max once it grows past that;
 * older ones are counted as dropped, never silently lost), in an unlinked
 * file on disk rather than in memory: a long guest log costs disk, not RAM.
 * Input is a bounded queue the UART drains.
 */
#ifndef VMM_CONSOLE_H
#define VMM_CONSOLE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_MAX_DEFAULT (128ull << 20)
#define CONSOLE_MAX_MIN (64u << 10)
#define CONSOLE_MAX_MAX (1ull << 40)
#define CONSOLE_PEND (64u << 10)	/* the newest output, before it goes to the file */
#define CONSOLE_IN_MAX 4096

struct console {
	pthread_mutex_t lock;
	int fd;				/* the spill file, opened at the first flush; -1 before */
	uint64_t max;			/* bytes kept: a ring of this size in the file */
	uint64_t total;			/* bytes ever written */
	uint64_t flushed;		/* [0, flushed) went to the file; [flushed, total) is in pend */
	uint64_t lost;			/* bytes the file could not take (disk full) */
	uint8_t pend[CONSOLE_PEND];
	uint8_t in[CONSOLE_IN_MAX];
	unsigned in_head, in_len;
	uint64_t in_dropped;
	/* Called (without the lock) when input arrives: the UART raises its interrupt. */
	void (*on_input)(void *opaque);
	void *on_input_opaque;
};

/* max: bytes kept, CONSOLE_MAX_MIN to CONSOLE_MAX_MAX. */
int console_init(struct console *c, uint64_t max);
void console_free(struct console *c);
void console_out(struct console *c, const void *data, size_t len);
/* Copy output from stream offset `off`; returns bytes copied (0 at the end).
 * An offset older than what is kept reads from the oldest kept byte. */
size_t console_read(struct console *c, uint64_t off, void *dst, size_t len);
uint64_t console_size(struct console *c);
/* Bytes older than what is kept: also the oldest offset a read can see. */
uint64_t console_dropped(struct console *c);
/* Bytes lost because the spill file could not be written (they read as zeros). */
uint64_t console_lost(struct console *c);
/* Queue input; returns how many bytes fit. */
size_t console_in_put(struct console *c, const void *data, size_t len);
/* Next input byte, or -1. */
int console_in_get(struct console *c);
unsigned console_in_avail(struct console *c);

/* fs/ sets this to wake pollers of a console when output grows. */
extern void (*console_notify)(struct console *c);

#endif
