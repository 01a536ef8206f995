/* Run a fuzz target over saved inputs (the regression cases make check replays). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n = -1;
	int ok = 0;

	if (f && !fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET)) {
		buf = malloc(n ? n : 1);
		ok = buf && fread(buf, 1, n, f) == (size_t)n;
	}
	if (f)
		fclose(f);
	if (ok)
		LLVMFuzzerTestOneInput(buf, n);
	/* reaching here without a crash or a sanitizer report is the pass */
	printf("%s - replay %s\n", ok ? "ok" : "not ok", path);
	free(buf);
	return !ok;
}

/* With no arguments, replay every input kept in REGRESS_DIR. */
int main(int argc, char **argv)
{
	int failed = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			failed += replay(argv[i]);
		return failed != 0;
	}
	{
		struct dirent **names;
		int n = scandir(REGRESS_DIR, &names, NULL, alphasort);

		if (n < 0) {
			printf("not ok - replay: cannot read %s\n", REGRESS_DIR);
			return 1;
		}
		for (int i = 0; i < n; i++) {
			char path[512];

			if (names[i]->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", REGRESS_DIR, names[i]->d_name);
				failed += replay(path);
			}
			free(names[i]);
		}
		free(names);
	}
	return failed != 0;
}
