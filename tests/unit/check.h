/*
 * The unit tests' assertions: each check prints one TAP-like line,
 * `ok - name` or `not ok - name` followed by `# got ...` lines, and
 * check_done() prints the summary and gives main() its exit code.
 *
 *   CHECK(x == 1, "x is one");
 *   CHECK_EQ(parse_u64("4K", &v), 0, "4K parses");
 *   return check_done();
 */
#ifndef TESTS_UNIT_CHECK_H
#define TESTS_UNIT_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

__attribute__((format(printf, 2, 3), unused))
static int check_line(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (ok)
		check_passed++;
	else
		check_failed++;
	return ok;
}

#define CHECK(cond, ...) check_line(!!(cond), __VA_ARGS__)

/* Integers (errnos, sizes, addresses): on failure both sides are shown. */
#define CHECK_EQ(got, want, ...) do {						\
	unsigned long long got_ = (unsigned long long)(got);			\
	unsigned long long want_ = (unsigned long long)(want);			\
	if (!check_line(got_ == want_, __VA_ARGS__))				\
		printf("#   %s = 0x%llx (%lld), expected 0x%llx (%lld)\n",	\
		       #got, got_, (long long)got_, want_, (long long)want_);	\
} while (0)

/* Show a string that may span lines as "#   |line" lines. */
__attribute__((unused))
static void check_show(const char *label, const char *s)
{
	printf("#   %s:\n", label);
	if (!s) {
		printf("#   (null)\n");
		return;
	}
	for (;;) {
		const char *nl = strchr(s, '\n');
		int n = nl ? (int)(nl - s) : (int)strlen(s);

		if (!nl && !n)
			break;
		printf("#   |%.*s%s\n", n, s, nl ? "" : "  (no newline)");
		if (!nl)
			break;
		s = nl + 1;
	}
}

#define CHECK_STR(got, want, ...) do {						\
	const char *got_ = (got), *want_ = (want);				\
	if (!check_line(got_ && !strcmp(got_, want_), __VA_ARGS__)) {		\
		check_show(#got, got_);						\
		check_show("expected", want_);					\
	}									\
} while (0)

__attribute__((unused))
static int check_done(void)
{
	printf("# %d passed, %d failed\n", check_passed, check_failed);
	fflush(stdout);
	return check_failed ? 1 : 0;
}

#endif
