/* The x86 PC platform of a VM: its built-in devices (arch_ops.vm_size). */
#ifndef X86_PLATFORM_H
#define X86_PLATFORM_H

#include <stdint.h>

struct vm;
struct uart16550;

#define COM1_BASE 0x3f8
#define DEBUGEXIT_PORT 0xf4

/* The debug-exit device: a write ends the run of the vcpu that made it. */
struct debugexit {
	int pending;		/* atomic: a write happened, not yet turned into an exit */
	uint64_t code;
};

struct x86_vm {
	struct uart16550 *com1;
	struct debugexit dbg;
	int cap_hcall_exit;	/* enable-cap hcall-exit: hypercalls we do not answer go to userspace */
};

int debugexit_init(struct vm *vm, struct debugexit *d);
/* Called after an out: 1 and the value written if the device was hit. */
int debugexit_take(struct debugexit *d, uint64_t *code);

/*
 * The PC's reset lines, as KVM's userspace (QEMU) wires them: bit 2 (RST_CPU)
 * of a byte written to the reset control register at 0xcf9, and the
 * keyboard controller's pulse-reset command 0xfe written to port 0x64.
 * Either ends the run with system_event type=reset; every other access
 * to those ports still exits to userspace as before.
 */
#define RESET_CONTROL_PORT 0xcf9
#define KBC_COMMAND_PORT 0x64
static inline int x86_reset_line(uint16_t port, unsigned size, uint64_t val)
{
	return size == 1 && ((port == RESET_CONTROL_PORT && (val & 4)) ||
			     (port == KBC_COMMAND_PORT && val == 0xfe));
}

/* cpuid.c: the CPU model the guest sees. */
/* family 6, model 0x55, stepping 4 (leaf 1 eax), which is also edx at reset */
#define X86_CPUID_SIGNATURE 0x50654u
void x86_cpuid(unsigned apic_id, uint32_t leaf, uint32_t sub, uint32_t out[4]);

#endif
