#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console.h"

void (*console_notify)(struct console *c);

/*
 * The spill file: unlinked from the start (O_TMPFILE, or a name removed at
 * once), in $TMPDIR or /var/tmp, which is on disk where /tmp may be tmpfs,
 * that is RAM.  Only the daemon can reach it.
 */
static int spill_open(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (!dir || !*dir)
		dir = "/var/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	/* a file system without O_TMPFILE */
	if (snprintf(path, sizeof(path), "%s/vmmfs-console.XXXXXX", dir) >= (int)sizeof(path))
		return -1;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

int console_init(struct console *c, uint64_t max)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->max = max;
	pthread_mutex_init(&c->lock, NULL);
	return 0;
}

void console_free(struct console *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	pthread_mutex_destroy(&c->lock);
}

/* Bytes pend holds at most: never more than are kept. */
static size_t pend_cap(const struct console *c)
{
	return c->max < CONSOLE_PEND ? c->max : CONSOLE_PEND;
}

/* pend to the file's ring.  Locked.  A byte the file cannot take is lost, and counted. */
static void flush(struct console *c)
{
	uint64_t off = c->flushed;

	if (c->fd < 0)
		c->fd = spill_open();
	while (off < c->total) {
		size_t at = off % c->max, n = c->total - off;
		ssize_t w = -1;

		if (n > c->max - at)
			n = c->max - at;
		if (c->fd >= 0)
			w = pwrite(c->fd, c->pend + (off - c->flushed), n, at);
		if (w <= 0) {
			c->lost += c->total - off;
			break;
		}
		off += w;
	}
	c->flushed = c->total;
}

void console_out(struct console *c, const void *data, size_t len)
{
	const uint8_t *p = data;

	pthread_mutex_lock(&c->lock);
	while (len) {
		size_t n = pend_cap(c) - (c->total - c->flushed);

		if (!n) {
			flush(c);
			continue;
		}
		if (n > len)
			n = len;
		memcpy(c->pend + (c->total - c->flushed), p, n);
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
	uint8_t *d = dst;
	size_t done = 0;
	uint64_t oldest;

	pthread_mutex_lock(&c->lock);
	oldest = c->total > c->max ? c->total - c->max : 0;
	if (off < oldest)
		off = oldest;
	while (done < len && off < c->total) {
		size_t n = len - done;

		if (off >= c->flushed) {
			if (n > c->total - off)
				n = c->total - off;
			memcpy(d + done, c->pend + (off - c->flushed), n);
		} else {
			size_t at = off % c->max;
			ssize_t r = -1;

			if (n > c->flushed - off)
				n = c->flushed - off;
			if (n > c->max - at)
				n = c->max - at;
			if (c->fd >= 0)
				r = pread(c->fd, d + done, n, at);
			if (r <= 0)
				memset(d + done, 0, n);	/* lost to a full disk: counted */
			else
				n = r;
		}
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
	uint64_t d;

	pthread_mutex_lock(&c->lock);
	d = c->total > c->max ? c->total - c->max : 0;
	pthread_mutex_unlock(&c->lock);
	return d;
}

uint64_t console_lost(struct console *c)
{
	uint64_t l;

	pthread_mutex_lock(&c->lock);
	l = c->lost;
	pthread_mutex_unlock(&c->lock);
	return l;
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
