#include <string.h>

#include "arch.h"

extern const struct arch_ops x86_ops;
extern const struct arch_ops ppc440_ops;

static const struct arch_ops *const arches[] = {
	&x86_ops,
	&ppc440_ops,
	NULL
};

const struct arch_ops *arch_find(const char *name)
{
	for (int i = 0; arches[i]; i++)
		if (!strcmp(arches[i]->name, name))
			return arches[i];
	return NULL;
}

static char names[128];

__attribute__((constructor)) static void make_names(void)
{
	for (int i = 0; arches[i]; i++) {
		if (i)
			strcat(names, " ");
		strcat(names, arches[i]->name);
	}
}

const char *arch_names(void)
{
	return names;
}
