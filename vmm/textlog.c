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

/* Keep whole lines: when full, drop the oldest lines to make room. */
void textlog_vadd(struct textlog *l, const char *fmt, va_list ap)
{
	char line[512];
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);

	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	for (int i = 0; i < n; i++)
		if (line[i] == '\n')
			line[i] = ' ';
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
