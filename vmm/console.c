#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"

void (*console_notify)(struct console *c);

int console_init(struct console *c)
{
	memset(c, 0, sizeof(*c));
	c->out = malloc(CONSOLE_KEEP);
	if (!c->out)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	return 0;
}

void console_free(struct console *c)
{
	free(c->out);
	c->out = NULL;
	pthread_mutex_destroy(&c->lock);
}

void console_out(struct console *c, const void *data, size_t len)
{
	const uint8_t *p = data;

	pthread_mutex_lock(&c->lock);
	if (len > CONSOLE_KEEP) {
		c->total += len - CONSOLE_KEEP;
		p += len - CONSOLE_KEEP;
		len = CONSOLE_KEEP;
	}
	while (len) {
		size_t at = c->total % CONSOLE_KEEP, n = CONSOLE_KEEP - at;

		if (n > len)
			n = len;
		memcpy(c->out + at, p, n);
		c->total += n;
		p += n;
		len -= n;
	}
	pthread_mutex_unlock(&c->lock);
	if (console_notify)
		console_notify(c);
}

size_t console_read(struct console *c, uint64_t off, void *dst, size_t len)
{
	size_t done = 0;
	uint64_t oldest;

	pthread_mutex_lock(&c->lock);
	oldest = c->total > CONSOLE_KEEP ? c->total - CONSOLE_KEEP : 0;
	if (off < oldest)
		off = oldest;
	while (done < len && off < c->total) {
		size_t at = off % CONSOLE_KEEP, n = CONSOLE_KEEP - at;

		if (n > len - done)
			n = len - done;
		if (n > c->total - off)
			n = c->total - off;
		memcpy((uint8_t *)dst + done, c->out + at, n);
		done += n;
		off += n;
	}
	pthread_mutex_unlock(&c->lock);
	return done;
}

uint64_t console_size(struct console *c)
{
	uint64_t t;

	pthread_mutex_lock(&c->lock);
	t = c->total;
	pthread_mutex_unlock(&c->lock);
	return t;
}

uint64_t console_dropped(struct console *c)
{
	uint64_t t = console_size(c);

	return t > CONSOLE_KEEP ? t - CONSOLE_KEEP : 0;
}

size_t console_in_put(struct console *c, const void *data, size_t len)
{
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = CONSOLE_IN_MAX - c->in_len;
	if (n > len)
		n = len;
	for (size_t i = 0; i < n; i++)
		c->in[(c->in_head + c->in_len + i) % CONSOLE_IN_MAX] = ((const uint8_t *)data)[i];
	c->in_len += n;
	c->in_dropped += len - n;
	pthread_mutex_unlock(&c->lock);
	if (n && c->on_input)
		c->on_input(c->on_input_opaque);
	return n;
}

int console_in_get(struct console *c)
{
	int ch = -1;

	pthread_mutex_lock(&c->lock);
	if (c->in_len) {
		ch = c->in[c->in_head];
		c->in_head = (c->in_head + 1) % CONSOLE_IN_MAX;
		c->in_len--;
	}
	pthread_mutex_unlock(&c->lock);
	return ch;
}

unsigned console_in_avail(struct console *c)
{
	unsigned n;

	pthread_mutex_lock(&c->lock);
	n = c->in_len;
	pthread_mutex_unlock(&c->lock);
	return n;
}
