/*
 * 64-bit call gates in long mode (entered by cpu_boot64.S, which calls
 * main in ring 0): from ring 3, a far call through a DPL-3 64-bit call
 * gate to ring-0 64-bit code switches to RSP0 with a null SS of ring 0
 * and pushes SS, RSP, CS and RIP as quadwords; lretq goes back to ring 3
 * and its stack.  A far jmp through a DPL-0 gate from ring 0 stays in
 * ring 0.  The faults, each #GP(selector): a gate of DPL 0 from ring 3, a
 * gate to a 32-bit code segment, a TSS descriptor (no task switches in
 * long mode), and a 32-bit call gate (its upper half is not type 0).
 * Each step prints one line; main returns 0.
 */
#include "asm64.h"

	.code64
	.text
	.globl main
main:
	MAIN_ENTER msg_start
	/* call gates */
	GATE(gdt64 + 0x40, gate_target, 0x08, 0xec00)	/* DPL 3 */
	GATE(gdt64 + 0x50, jmp_target, 0x08, 0x8c00)	/* DPL 0 */
	GATE(gdt64 + 0x60, jmp_target, 0x18, 0xec00)	/* DPL 3 -> 32-bit code 0x18 */
	GATE(gdt64 + 0x70, jmp_target, 0x08, 0xec00)	/* DPL 3, upper half not type 0 */
	movb $0x0c, gdt64 + 0x7d
	call tss_init
	lea stack0_top(%rip), %rax
	mov %rax, tss + 4		/* RSP0 */
	/* #GP: print the error code, resume at `resume` */
	GATE(idt + 13 * 16, isr_gp, 0x08, 0x8e00)
	lidt idt_desc(%rip)

	/* ring 0: a far jmp through the gate stays in ring 0 */
	ljmp *gate0_ptr(%rip)
jmp_back:

	IRETQ_TO_RING3 user, stack3_top, 0x3002	/* IOPL 3: ring 3 prints */

jmp_target:
	mov %cs, %eax
	SHOW(msg_jmp)
	jmp jmp_back

user:
	mov %cs, %eax
	SHOW(msg_ring3)
	mov %rsp, saved_rsp(%rip)
	lcall *gate_ptr(%rip)
after_call:
	cmp saved_rsp(%rip), %rsp
	jne fail
	mov %cs, %eax
	SHOW(msg_back_cs)
	mov %ss, %eax
	SHOW(msg_back_ss)

	FAULT(lcall *gate0_ptr(%rip))		/* gate DPL 0: #GP(0x50) */
	FAULT(lcall *gate32_ptr(%rip))		/* to 32-bit code: #GP(0x18) */
	FAULT(lcall *tss_ptr(%rip))		/* a TSS: #GP(0x30) */
	FAULT(lcall *badgate_ptr(%rip))		/* upper half type 0xc: #GP(0x70) */

	movb $1, finishing(%rip)
	lcall *gate_ptr(%rip)
	jmp fail

/* ring 0 through the gate: the quadword frame on the RSP0 stack */
gate_target:
	lea stack0_top - 32(%rip), %rax
	cmp %rax, %rsp
	jne fail
	cmpb $0, finishing(%rip)
	jne finished
	mov %cs, %eax
	SHOW(msg_gate_cs)
	mov %ss, %eax
	SHOW(msg_gate_ss)
	mov 8(%rsp), %eax
	SHOW(msg_caller_cs)
	mov 24(%rsp), %eax
	SHOW(msg_caller_ss)
	mov 16(%rsp), %rax
	cmp saved_rsp(%rip), %rax
	jne fail
	lea after_call(%rip), %rax
	cmp (%rsp), %rax
	jne fail
	lretq

finished:
	MAIN_RETURN msg_done

	.data
msg_start:	.asciz "gate64: start\n"
msg_jmp:	.asciz "far jmp through a 64-bit call gate in ring 0: cs="
msg_ring3:	.asciz "ring 3: cs="
msg_gate_cs:	.asciz "64-bit call gate to ring 0: cs="
msg_gate_ss:	.asciz "ss="
msg_caller_cs:	.asciz "caller cs="
msg_caller_ss:	.asciz "caller ss="
msg_back_cs:	.asciz "after lretq: cs="
msg_back_ss:	.asciz "ss="
msg_done:	.asciz "gate64: done\n"
	.align 8
/* far pointers m16:32: offset (ignored through a gate), selector */
gate_ptr:	.long 0
		.word 0x43
gate0_ptr:	.long 0
		.word 0x50
gate32_ptr:	.long 0
		.word 0x63
tss_ptr:	.long 0
		.word 0x33
badgate_ptr:	.long 0
		.word 0x73
	.align 8
gdt64:
	GDT64_RINGS
	.quad 0, 0			/* 0x40: call gate, DPL 3 */
	.quad 0, 0			/* 0x50: call gate, DPL 0 */
	.quad 0, 0			/* 0x60: call gate to 32-bit code */
	.quad 0, 0			/* 0x70: call gate with a bad upper half */
	GDT64_END

	.bss
	.align 16
saved_rsp:	.quad 0
finishing:	.byte 0
	.align 16
		.space 4096
stack0_top:
		.space 4096
stack3_top:

	.section .note.GNU-stack, "", @progbits
