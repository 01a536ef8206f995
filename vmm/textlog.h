/* A bounded log of text lines (a VM's `log`, the global `log`). */
#ifndef VMM_TEXTLOG_H
#define VMM_TEXTLOG_H

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>

#define TEXTLOG_KEEP (64u << 10)

struct buf;

struct textlog {
	pthread_mutex_t lock;
	char *text;			/* the newest lines, at most TEXTLOG_KEEP bytes */
	uint32_t len;
	uint64_t lines, dropped;
};

void textlog_init(struct textlog *l);
void textlog_free(struct textlog *l);
void textlog_vadd(struct textlog *l, const char *fmt, va_list ap);
void textlog_render(struct textlog *l, struct buf *out);

#endif
