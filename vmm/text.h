/* The one key=value parser and printer every file uses (DESIGN.md, "Text formats"). */
#ifndef VMM_TEXT_H
#define VMM_TEXT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* A growable text buffer: files render into one, then reads slice it. */
struct buf {
	char *p;
	size_t len, cap;
	int oom;		/* an allocation failed: content is truncated */
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_put(struct buf *b, const void *data, size_t len);

/*
 * A write split into tokens.  Each token is either "key=value" or a bare word
 * (key set, val NULL).  Tokens point into the caller's buffer, which
 * kv_split modifies (NUL-terminates in place).
 */
#define KV_MAX 64
struct kv {
	char *key;
	char *val;
};
struct kvlist {
	int n;
	struct kv kv[KV_MAX];
};

/* Split on any white space.  Returns 0, or -E2BIG when there are more than KV_MAX tokens. */
int kv_split(char *s, struct kvlist *out);
/*
 * The same, except that a token `REST_KEY=...` takes the rest of the line as
 * its value, byte for byte (runs of spaces and tabs and all), less the one
 * newline that ends the write: a kernel command line is text, not tokens.
 * It is the last token.  rest_key NULL is kv_split.
 */
int kv_split_rest(char *s, struct kvlist *out, const char *rest_key);

/*
 * Numbers: decimal, 0x hex, 0b binary, optional K/M/G/T suffix (powers of 1024)
 * for sizes.  Returns 0, -EINVAL (not a number) or -ERANGE (overflows 64 bits).
 */
int parse_u64(const char *s, uint64_t *out);
/* Like parse_u64, and the value must fit in `bits` bits (-ERANGE otherwise). */
int parse_uint(const char *s, unsigned bits, uint64_t *out);
/* 0/1, on/off, yes/no, true/false. */
int parse_bool(const char *s, int *out);

/* Copy a write's bytes into a NUL-terminated string, refusing embedded NULs. */
int text_from_write(const char *data, size_t len, char *dst, size_t dstlen);

#endif
