#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "text.h"
#include "textlog.h"

void textlog_init(struct textlog *l)
{
	memset(l, 0, sizeof(*l));
	pthread_mutex_init(&l->lock, NULL);
}

void textlog_free(struct textlog *l)
{
	free(l->text);
	l->text = NULL;
	pthread_mutex_destroy(&l->lock);
}

/* Length of the UTF-8 sequence at p (at most n bytes) that a terminal
 * shows as text, or 0: malformed, overlong, a surrogate, or a C1 control
 * (U+0080-U+009F, which some terminals obey like ESC [). */
static int utf8_text(const unsigned char *p, int n)
{
	int len = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : 2;
	unsigned lo = 0x80, hi = 0xbf;

	if (p[0] < 0xc2 || p[0] > 0xf4 || len > n)
		return 0;
	if (p[0] == 0xc2)
		lo = 0xa0;
	else if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (int i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/*
 * Logs are read by other people's terminals (the root log by everyone),
 * and names, paths and refused commands in them come from users: every
 * control character, DEL and byte that is not text in UTF-8 becomes \xNN,
 * so one event is one line and nothing in it is obeyed.  Escaping here, in
 * the one writer, covers every call site.  Returns the length in out.
 */
static int escape(const char *in, int n, char *out, int cap)
{
	const unsigned char *p = (const unsigned char *)in;
	int o = 0;

	for (int i = 0; i < n;) {
		int k = p[i] >= 0x80 ? utf8_text(p + i, n - i) : (p[i] >= 0x20 && p[i] != 0x7f);

		if (!k) {
			if (o + 4 > cap)
				break;
			o += snprintf(out + o, 5, "\\x%02x", p[i]);
			i++;
			continue;
		}
		if (o + k > cap)
			break;
		memcpy(out + o, p + i, k);
		o += k;
		i += k;
	}
	return o;
}

/* Keep whole lines: when full, drop the oldest lines to make room. */
void textlog_vadd(struct textlog *l, const char *fmt, va_list ap)
{
	char raw[512], line[4 * sizeof(raw) + 1];
	int n = vsnprintf(raw, sizeof(raw), fmt, ap);

	if (n < 0)
		return;
	if (n > (int)sizeof(raw) - 1)
		n = sizeof(raw) - 1;
	n = escape(raw, n, line, sizeof(line) - 1);
	line[n++] = '\n';
	pthread_mutex_lock(&l->lock);
	if (!l->text)
		l->text = malloc(TEXTLOG_KEEP);
	if (l->text) {
		while (l->len + n > TEXTLOG_KEEP) {
			char *nl = memchr(l->text, '\n', l->len);
			uint32_t cut = nl ? (uint32_t)(nl - l->text) + 1 : l->len;

			memmove(l->text, l->text + cut, l->len - cut);
			l->len -= cut;
			l->dropped++;
		}
		memcpy(l->text + l->len, line, n);
		l->len += n;
		l->lines++;
	}
	pthread_mutex_unlock(&l->lock);
}

void textlog_render(struct textlog *l, struct buf *out)
{
	pthread_mutex_lock(&l->lock);
	if (l->text)
		buf_put(out, l->text, l->len);
	pthread_mutex_unlock(&l->lock);
}
