/* The architectures a fuzz target may create VMs of, shared by the targets. */
#ifndef FUZZ_ARCH_H
#define FUZZ_ARCH_H

#include <stdlib.h>
#include <string.h>

#include "vmm/arch.h"

static const char *const arches[] = { "x86", "ppc440" };
static unsigned narch_ok, arch_ok[2];

/* The built-in ones, or only FUZZ_ARCH when it is set: a run can stay on one. */
static void pick_arches(void)
{
	const char *only = getenv("FUZZ_ARCH");

	for (unsigned i = 0; i < 2; i++)
		if (arch_find(arches[i]) && (!only || !strcmp(only, arches[i])))
			arch_ok[narch_ok++] = i;
	if (!narch_ok)
		abort();
}

#endif
