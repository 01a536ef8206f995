/* vmm/text.c: the number parser, the key=value splitter and the text buffer. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "vmm/text.h"

static void u64_ok(const char *s, uint64_t want)
{
	uint64_t v = 0xdeadbeef;

	CHECK_EQ(parse_u64(s, &v), 0, "parse_u64(\"%s\") succeeds", s);
	CHECK_EQ(v, want, "parse_u64(\"%s\") = 0x%llx", s, (unsigned long long)want);
}

static void u64_err(const char *s, int err)
{
	uint64_t v = 0x5a5a;

	CHECK_EQ(parse_u64(s, &v), err, "parse_u64(\"%s\") fails with %s", s,
		 err == -ERANGE ? "ERANGE" : "EINVAL");
	CHECK_EQ(v, 0x5a5a, "parse_u64(\"%s\") leaves the output alone", s);
}

static void numbers(void)
{
	u64_ok("0", 0);
	u64_ok("42", 42);
	u64_ok("007", 7);
	u64_ok("0x1F", 0x1f);
	u64_ok("0XfF", 0xff);
	u64_ok("0xdeadBEEF", 0xdeadbeef);
	u64_ok("0b101", 5);
	u64_ok("0B11111111", 255);
	u64_ok("4K", 4096);
	u64_ok("4k", 4096);
	u64_ok("16M", 16ull << 20);
	u64_ok("2G", 2ull << 30);
	u64_ok("1T", 1ull << 40);
	u64_ok("0x10K", 0x4000);
	u64_ok("4KiB", 4096);
	u64_ok("18446744073709551615", UINT64_MAX);
	u64_ok("0xffffffffffffffff", UINT64_MAX);
	u64_ok("16777215T", 16777215ull << 40);
	u64_ok("17179869183G", 17179869183ull << 30);

	u64_err("18446744073709551616", -ERANGE);
	u64_err("99999999999999999999999", -ERANGE);
	u64_err("0x10000000000000000", -ERANGE);
	u64_err("16777216T", -ERANGE);
	u64_err("17179869184G", -ERANGE);
	u64_err("0xffffffffffffffffK", -ERANGE);

	u64_err("", -EINVAL);
	u64_err("abc", -EINVAL);
	u64_err("12abc", -EINVAL);
	u64_err("0x", -EINVAL);
	u64_err("0xg", -EINVAL);
	u64_err("0b", -EINVAL);
	u64_err("0b102", -EINVAL);
	u64_err("-1", -EINVAL);
	u64_err("+1", -EINVAL);
	u64_err(" 1", -EINVAL);
	u64_err("1 ", -EINVAL);
	u64_err("1.5", -EINVAL);
	u64_err("1K2", -EINVAL);
	u64_err("1KK", -EINVAL);
	u64_err("4X", -EINVAL);
	u64_err("K", -EINVAL);
	CHECK_EQ(parse_u64(NULL, &(uint64_t){ 0 }), -EINVAL, "parse_u64(NULL) fails with EINVAL");
}

static void widths(void)
{
	uint64_t v;

	CHECK_EQ(parse_uint("255", 8, &v), 0, "255 fits in 8 bits");
	CHECK_EQ(v, 255, "parse_uint(\"255\", 8) = 255");
	CHECK_EQ(parse_uint("256", 8, &v), -ERANGE, "256 does not fit in 8 bits: ERANGE");
	CHECK_EQ(parse_uint("0xffff", 16, &v), 0, "0xffff fits in 16 bits");
	CHECK_EQ(parse_uint("0x10000", 16, &v), -ERANGE, "0x10000 does not fit in 16 bits: ERANGE");
	CHECK_EQ(parse_uint("0xffffffff", 32, &v), 0, "0xffffffff fits in 32 bits");
	CHECK_EQ(parse_uint("0x100000000", 32, &v), -ERANGE, "0x100000000 does not fit in 32 bits");
	CHECK_EQ(parse_uint("4G", 32, &v), -ERANGE, "4G does not fit in 32 bits");
	CHECK_EQ(parse_uint("0xffffffffffffffff", 64, &v), 0, "all ones fit in 64 bits");
	CHECK_EQ(parse_uint("0x1q", 8, &v), -EINVAL, "junk is EINVAL whatever the width");
	CHECK_EQ(parse_uint("0x1ffffffffffffffff", 8, &v), -ERANGE, "a 65-bit number is ERANGE");
}

static void bools(void)
{
	static const char *const yes[] = { "1", "on", "yes", "true" };
	static const char *const no[] = { "0", "off", "no", "false" };
	int b;

	for (unsigned i = 0; i < 4; i++) {
		b = -1;
		CHECK(parse_bool(yes[i], &b) == 0 && b == 1, "parse_bool(\"%s\") is true", yes[i]);
		b = -1;
		CHECK(parse_bool(no[i], &b) == 0 && b == 0, "parse_bool(\"%s\") is false", no[i]);
	}
	CHECK_EQ(parse_bool("2", &b), -EINVAL, "parse_bool(\"2\") is EINVAL");
	CHECK_EQ(parse_bool("", &b), -EINVAL, "parse_bool(\"\") is EINVAL");
	CHECK_EQ(parse_bool(NULL, &b), -EINVAL, "parse_bool(NULL) is EINVAL");
}

static void split(void)
{
	char s1[] = "  slot=0\tgpa=0x1000 \n size=4K flags= bare a=b=c\r\n";
	char s2[] = " \t\n ";
	char many[KV_MAX * 2 + 8];
	struct kvlist kv;

	CHECK_EQ(kv_split(s1, &kv), 0, "kv_split of a memslots line succeeds");
	CHECK_EQ(kv.n, 6, "any white space separates tokens");
	CHECK_STR(kv.kv[0].key, "slot", "first key");
	CHECK_STR(kv.kv[0].val, "0", "first value");
	CHECK_STR(kv.kv[1].key, "gpa", "tab separates");
	CHECK_STR(kv.kv[1].val, "0x1000", "value before a space and a newline");
	CHECK_STR(kv.kv[2].val, "4K", "value after a newline");
	CHECK_STR(kv.kv[3].key, "flags", "key with an empty value");
	CHECK_STR(kv.kv[3].val, "", "empty value is \"\", not NULL");
	CHECK_STR(kv.kv[4].key, "bare", "bare word is a key");
	CHECK(kv.kv[4].val == NULL, "bare word has a NULL value");
	CHECK_STR(kv.kv[5].key, "a", "a=b=c splits at the first =");
	CHECK_STR(kv.kv[5].val, "b=c", "a=b=c keeps the rest as the value");

	CHECK_EQ(kv_split(s2, &kv), 0, "kv_split of white space succeeds");
	CHECK_EQ(kv.n, 0, "white space alone has no tokens");
	CHECK_EQ(kv_split((char[]){ "" }, &kv), 0, "kv_split of \"\" succeeds");
	CHECK_EQ(kv.n, 0, "\"\" has no tokens");

	memset(many, 0, sizeof(many));
	for (int i = 0; i < KV_MAX; i++)
		strcat(many, "x ");
	CHECK_EQ(kv_split(many, &kv), 0, "%d tokens are accepted", KV_MAX);
	CHECK_EQ(kv.n, KV_MAX, "%d tokens are all there", KV_MAX);
	memset(many, 0, sizeof(many));
	for (int i = 0; i < KV_MAX + 1; i++)
		strcat(many, "y ");
	CHECK_EQ(kv_split(many, &kv), -E2BIG, "%d tokens are E2BIG", KV_MAX + 1);
}

/* load's cmdline=: the rest of the write, byte for byte, whatever its words */
static void split_rest(void)
{
	char s1[] = "load  /img pv=on cmdline=a  b\t\tc=d  ", s2[] = "load x cmdline=\n";
	char s3[] = "load x cmdline2=a b", many[KV_MAX * 4 + 64] = "load x cmdline=";
	struct kvlist kv;

	CHECK_EQ(kv_split_rest(s1, &kv, "cmdline"), 0, "kv_split_rest of a load line succeeds");
	CHECK_EQ(kv.n, 4, "the rest is one token");
	CHECK(!strcmp(kv.kv[3].key, "cmdline") && !strcmp(kv.kv[3].val, "a  b\t\tc=d  "),
	      "spaces, tabs and = arrive as written: '%s'", kv.kv[3].val);
	CHECK_EQ(kv_split_rest(s2, &kv, "cmdline"), 0, "an empty command line");
	CHECK(kv.n == 3 && !strcmp(kv.kv[2].val, ""), "loses only the write's newline");
	CHECK_EQ(kv_split_rest(s3, &kv, "cmdline"), 0, "another key");
	CHECK_EQ(kv.n, 4, "is split as kv_split does");
	for (int i = 0; i < KV_MAX + 1; i++)
		strcat(many, "w ");
	CHECK_EQ(kv_split_rest(many, &kv, "cmdline"), 0, "more than %d words after cmdline=", KV_MAX);
	CHECK_EQ(kv.n, 3, "are one value");
}

static void buffers(void)
{
	struct buf b;
	char want[4096];

	buf_init(&b);
	CHECK(b.len == 0 && !b.oom, "a new buffer is empty");
	buf_printf(&b, "slot=%u gpa=0x%llx\n", 3u, 0x1000ull);
	CHECK_STR(b.p, "slot=3 gpa=0x1000\n", "buf_printf formats");
	buf_put(&b, "ab", 2);
	CHECK_EQ(b.len, strlen("slot=3 gpa=0x1000\nab"), "buf_put appends its length");
	CHECK_STR(b.p, "slot=3 gpa=0x1000\nab", "buf_put keeps the text NUL-terminated");
	buf_reset(&b);
	CHECK(b.len == 0 && b.p[0] == 0, "buf_reset empties");
	want[0] = 0;
	for (int i = 0; i < 300; i++) {
		buf_printf(&b, "%03d,", i % 1000);
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%03d,", i % 1000);
	}
	CHECK_EQ(b.len, 1200, "a buffer grows past its first allocation");
	CHECK(!strcmp(b.p, want) && !b.oom, "grown content is intact");
	buf_free(&b);
	CHECK(b.p == NULL && b.len == 0, "buf_free leaves an empty buffer");
}

static void write_text(void)
{
	char dst[8];

	CHECK_EQ(text_from_write("run\n", 4, dst, sizeof(dst)), 0, "text_from_write copies");
	CHECK_STR(dst, "run\n", "text_from_write NUL-terminates");
	CHECK_EQ(text_from_write("ru\0n", 4, dst, sizeof(dst)), -EINVAL, "embedded NUL is EINVAL");
	CHECK_EQ(text_from_write("12345678", 8, dst, sizeof(dst)), -E2BIG, "too long for dst is E2BIG");
	CHECK_EQ(text_from_write("1234567", 7, dst, sizeof(dst)), 0, "dstlen - 1 bytes fit");
}

int main(void)
{
	numbers();
	widths();
	bools();
	split();
	split_rest();
	buffers();
	write_text();
	return check_done();
}
