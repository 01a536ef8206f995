/*
 * The CPU model the guest sees through cpuid: a family-6 part that
 * advertises only what the interpreter implements (TSC, CMOV), so a guest
 * that probes features never reaches an instruction we lack.
 */
#include <string.h>

#include "platform.h"

#define CPUID_VENDOR "vmmfsVirtCPU"
#define CPUID_SIGNATURE 0x600u		/* family 6, model 0, stepping 0; also edx at reset */
#define CPUID_EDX_TSC (1u << 4)
#define CPUID_EDX_CMOV (1u << 15)

void x86_cpuid(unsigned apic_id, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	(void)sub;
	memset(out, 0, 4 * sizeof(out[0]));
	switch (leaf) {
	case 0:
		out[0] = 1;
		memcpy(&out[1], CPUID_VENDOR, 4);	/* ebx edx ecx */
		memcpy(&out[3], CPUID_VENDOR + 4, 4);
		memcpy(&out[2], CPUID_VENDOR + 8, 4);
		break;
	case 1:
		out[0] = CPUID_SIGNATURE;
		out[1] = (apic_id << 24) | (1u << 16) | (8u << 8);	/* 1 logical cpu, clflush 64 */
		out[3] = CPUID_EDX_TSC | CPUID_EDX_CMOV;
		break;
	case 0x80000000:
		out[0] = 0x80000000;
		break;
	}
}
