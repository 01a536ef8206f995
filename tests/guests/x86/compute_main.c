/* The compute guest: compute.c's work on COM1; cmdline "rounds=N" scales it. */
#include "lib.h"

void compute_run(unsigned rounds, void (*emit)(const char *));

static unsigned rounds_from(const char *cmd)
{
	static const char key[] = "rounds=";
	unsigned n = 0;

	for (; *cmd; cmd++) {
		int k = 0;

		while (key[k] && cmd[k] == key[k])
			k++;
		if (key[k])
			continue;
		for (cmd += k; *cmd >= '0' && *cmd <= '9'; cmd++)
			n = n * 10 + (*cmd - '0');
		return n;
	}
	return 0;
}

int main(uint32_t magic, const uint32_t *info)
{
	unsigned rounds = 1;

	if (magic == 0x2badb002 && (info[0] & (1u << 2)) && rounds_from((const char *)(uintptr_t)info[4]))
		rounds = rounds_from((const char *)(uintptr_t)info[4]);
	compute_run(rounds, ser_puts);
	return 0;
}
