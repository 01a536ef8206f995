#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

void buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

void buf_free(struct buf *b)
{
	free(b->p);
	buf_init(b);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->oom = 0;
	if (b->p)
		b->p[0] = 0;
}

static int buf_grow(struct buf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 256;
	char *p;

	if (b->len + need + 1 <= b->cap)
		return 0;
	while (cap < b->len + need + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		return -ENOMEM;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void buf_put(struct buf *b, const void *data, size_t len)
{
	if (buf_grow(b, len))
		return;
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = 0;
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || buf_grow(b, n))
		return;
	vsnprintf(b->p + b->len, n + 1, fmt, ap);
	b->len += n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int kv_split_rest(char *s, struct kvlist *out, const char *rest_key)
{
	size_t klen = rest_key ? strlen(rest_key) : 0;

	out->n = 0;
	while (*s) {
		char *tok, *eq;

		while (is_space(*s))
			s++;
		if (!*s)
			break;
		tok = s;
		if (out->n == KV_MAX)
			return -E2BIG;
		if (rest_key && !strncmp(tok, rest_key, klen) && tok[klen] == '=') {
			size_t n = strlen(tok);

			if (n && tok[n - 1] == '\n')
				tok[n - 1] = 0;
			tok[klen] = 0;
			out->kv[out->n].key = tok;
			out->kv[out->n].val = tok + klen + 1;
			out->n++;
			break;
		}
		while (*s && !is_space(*s))
			s++;
		if (*s)
			*s++ = 0;
		eq = strchr(tok, '=');
		if (eq)
			*eq = 0;
		out->kv[out->n].key = tok;
		out->kv[out->n].val = eq ? eq + 1 : NULL;
		out->n++;
	}
	return 0;
}

int kv_split(char *s, struct kvlist *out)
{
	return kv_split_rest(s, out, NULL);
}

int parse_u64(const char *s, uint64_t *out)
{
	unsigned base = 10, shift = 0;
	uint64_t v = 0;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
		base = 2;
		p += 2;
	}
	if (!(*p >= '0' && *p <= '9') && !(base == 16 && ((*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F'))))
		return -EINVAL;	/* at least one digit */
	for (; *p; p++) {
		unsigned d;
		char c = *p;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		if (d >= base)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if (*p) {
		switch (*p) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		case 't': case 'T': shift = 40; break;
		default: return -EINVAL;
		}
		if (p[1] && !((p[1] == 'i' || p[1] == 'B') && (!p[2] || (p[1] == 'i' && p[2] == 'B' && !p[3]))))
			return -EINVAL;
		if (v > (UINT64_MAX >> shift))
			return -ERANGE;
		v <<= shift;
	}
	*out = v;
	return 0;
}

int parse_uint(const char *s, unsigned bits, uint64_t *out)
{
	int r = parse_u64(s, out);

	if (r)
		return r;
	if (bits < 64 && *out >> bits)
		return -ERANGE;
	return 0;
}

int parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "1", "on", "yes", "true" };
	static const char *const no[] = { "0", "off", "no", "false" };

	if (!s)
		return -EINVAL;
	for (unsigned i = 0; i < 4; i++) {
		if (!strcmp(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -EINVAL;
}

int text_from_write(const char *data, size_t len, char *dst, size_t dstlen)
{
	if (len >= dstlen)
		return -E2BIG;
	if (memchr(data, 0, len))
		return -EINVAL;
	memcpy(dst, data, len);
	dst[len] = 0;
	return 0;
}
