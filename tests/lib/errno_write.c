/*
 * Write text to a file in one write(2) and say how it went, so that a test
 * can assert the errno of a refused write:
 *
 *   $ errno_write /vms/t/memslots "slot=0 gpa=0x800 size=4K"
 *   EINVAL
 *   $ errno_write -o 0x200000 /vms/t/mem "$(printf 'xyz')"
 *   OK
 *
 * usage: errno_write [-n] [-o OFFSET] FILE WORD...
 *   the words are joined by spaces and end with a newline, as echo does;
 *   -n leaves the newline out; -o writes at OFFSET with pwrite(2).
 * Prints OK (exit 0), the errno's name (exit 1), or SHORT n (exit 1).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(int err)
{
	const char *name = strerrorname_np(err);

	if (name)
		printf("%s\n", name);
	else
		printf("E%d\n", err);
	return 1;
}

int main(int argc, char **argv)
{
	int newline = 1, opt, fd;
	long long off = -1;
	size_t len = 0, cap = 1;
	char *text;
	ssize_t n;

	while ((opt = getopt(argc, argv, "no:")) != -1) {
		switch (opt) {
		case 'n':
			newline = 0;
			break;
		case 'o':
			off = strtoll(optarg, NULL, 0);
			break;
		default:
			goto usage;
		}
	}
	if (optind + 1 > argc)
		goto usage;
	for (int i = optind + 1; i < argc; i++)
		cap += strlen(argv[i]) + 1;
	text = malloc(cap + 1);
	if (!text)
		return fail(ENOMEM);
	text[0] = 0;
	for (int i = optind + 1; i < argc; i++) {
		if (i > optind + 1)
			strcat(text, " ");
		strcat(text, argv[i]);
	}
	if (newline)
		strcat(text, "\n");
	len = strlen(text);

	fd = open(argv[optind], O_WRONLY);
	if (fd < 0)
		return fail(errno);
	n = off >= 0 ? pwrite(fd, text, len, off) : write(fd, text, len);
	if (n < 0)
		return fail(errno);
	if (close(fd))
		return fail(errno);
	if ((size_t)n != len) {
		printf("SHORT %zd\n", n);
		return 1;
	}
	printf("OK\n");
	return 0;
usage:
	fprintf(stderr, "usage: %s [-n] [-o OFFSET] FILE WORD...\n", argv[0]);
	return 2;
}
