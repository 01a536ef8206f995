/*
 * Hardware task switches (task.c): a far jmp or call to a TSS descriptor
 * or a task gate, iret with EFLAGS.NT set, and an event through a task
 * gate in the IDT.  32-bit TSSes only, outside long mode.
 */
#ifndef X86_TASK_H
#define X86_TASK_H

#include "cpu.h"

/*
 * A fault a task switch found.  in_new: found after the switch was
 * committed (TR, registers and EIP are the new task's), so it belongs to
 * the new task and returns to its EIP.
 */
struct task_fault {
	unsigned vec;
	uint32_t err;
	int in_new;
};

/* Is a system descriptor type one a far jmp or call switches tasks through? */
static inline int task_desc_type(unsigned type)
{
	return type == 1 || type == 9 || type == 5;
}

/* far jmp (call = 0) or far call to the TSS descriptor or task gate sel (lo, hi); faults by longjmp. */
void task_far(struct x86_cpu *c, uint16_t sel, uint32_t lo, uint32_t hi, int call, uint64_t next_ip);
/* iret with NT set: back to the task in the current TSS's link field; faults by longjmp. */
void task_iret(struct x86_cpu *c, uint64_t next_ip);
/*
 * An event through the IDT task gate whose low dword is gate_lo (present
 * and allowed: checked by the caller); the error code, if any, goes on
 * the new task's stack.  0, or -1 with *f.
 */
int task_gate_event(struct x86_cpu *c, uint32_t gate_lo, int has_err, uint32_t err, unsigned ext,
		    uint64_t ret_ip, struct task_fault *f);

#endif
