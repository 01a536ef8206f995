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
#define FAULT(...) lea 1f(%rip), %rax; mov %rax, resume(%rip); __VA_ARGS__; 1:

	.code64
	.text
	.globl main
main:
	push %rbx
	mov %rsp, kernel_rsp(%rip)
	lea msg_start(%rip), %rdi
	call ser_puts
	/* TSS descriptor at 0x30 (16 bytes) */
	lea tss(%rip), %rax
	movw $0x67, gdt64 + 0x30
	movw %ax, gdt64 + 0x32
	shr $16, %rax
	movb %al, gdt64 + 0x34
	movb $0x89, gdt64 + 0x35
	movb %ah, gdt64 + 0x37
	shr $16, %rax
	movl %eax, gdt64 + 0x38
	/* call gates: mkgate64(descriptor %rdi, target %rsi, selector %edx, attributes %ecx) */
	lea gdt64 + 0x40(%rip), %rdi	/* DPL 3 -> 0x08:gate_target */
	lea gate_target(%rip), %rsi
	mov $0x08, %edx
	mov $0xec00, %ecx
	call mkgate64
	lea gdt64 + 0x50(%rip), %rdi	/* DPL 0 -> 0x08:jmp_target */
	lea jmp_target(%rip), %rsi
	mov $0x8c00, %ecx
	call mkgate64
	lea gdt64 + 0x60(%rip), %rdi	/* DPL 3 -> 32-bit code 0x18 */
	mov $0x18, %edx
	mov $0xec00, %ecx
	call mkgate64
	lea gdt64 + 0x70(%rip), %rdi	/* DPL 3 -> 0x08, upper half not type 0 */
	mov $0x08, %edx
	call mkgate64
	movb $0x0c, gdt64 + 0x7d
	lgdt gdt64_desc(%rip)
	mov $0x30, %ax
	ltr %ax
	lea stack0_top(%rip), %rax
	mov %rax, tss + 4		/* RSP0 */
	/* #GP: print the error code, resume at `resume` */
	lea idt + 13 * 16(%rip), %rdi
	lea isr_gp(%rip), %rsi
	mov $0x08, %edx
	mov $0x8e00, %ecx
	call mkgate64
	lidt idt_desc(%rip)

	/* ring 0: a far jmp through the gate stays in ring 0 */
	ljmp *gate0_ptr(%rip)
jmp_back:

	/* iretq to ring 3 with IOPL 3: ring 3 prints */
	push $0x23
	lea stack3_top(%rip), %rax
	push %rax
	push $0x3002
	push $0x2b
	lea user(%rip), %rax
	push %rax
	iretq

jmp_target:
	mov %cs, %eax
	lea msg_jmp(%rip), %rdi
	call show
	jmp jmp_back

user:
	mov %cs, %eax
	lea msg_ring3(%rip), %rdi
	call show
	mov %rsp, saved_rsp(%rip)
	lcall *gate_ptr(%rip)
after_call:
	cmp saved_rsp(%rip), %rsp
	jne fail
	mov %cs, %eax
	lea msg_back_cs(%rip), %rdi
	call show
	mov %ss, %eax
	lea msg_back_ss(%rip), %rdi
	call show

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
	lea msg_gate_cs(%rip), %rdi
	call show
	mov %ss, %eax
	lea msg_gate_ss(%rip), %rdi
	call show
	mov 8(%rsp), %eax
	lea msg_caller_cs(%rip), %rdi
	call show
	mov 24(%rsp), %eax
	lea msg_caller_ss(%rip), %rdi
	call show
	mov 16(%rsp), %rax
	cmp saved_rsp(%rip), %rax
	jne fail
	lea after_call(%rip), %rax
	cmp (%rsp), %rax
	jne fail
	lretq

finished:
	mov kernel_rsp(%rip), %rsp
	mov $0x10, %ax
	mov %ax, %ss
	lea msg_done(%rip), %rdi
	call ser_puts
	xor %eax, %eax
	pop %rbx
	ret

isr_gp:
	mov (%rsp), %eax
	lea msg_gp(%rip), %rdi
	call show
	mov resume(%rip), %rax
	mov %rax, 8(%rsp)
	add $8, %rsp
	iretq

/* show(msg %rdi, value %eax): "msg0x%08x\n" */
show:
	push %rax
	call ser_puts
	pop %rdi
	call put_hex
	mov $'\n', %edi
	jmp ser_putc

/* mkgate64(descriptor %rdi, target %rsi, selector %edx, attributes %ecx) */
mkgate64:
	mov %si, (%rdi)
	mov %dx, 2(%rdi)
	mov %cx, 4(%rdi)
	mov %rsi, %rax
	shr $16, %rax
	mov %ax, 6(%rdi)
	shr $16, %rax
	mov %eax, 8(%rdi)
	movl $0, 12(%rdi)
	ret

fail:
	mov $1, %eax
	outl %eax, $0xf4
	jmp fail

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
msg_gp:		.asciz "#GP error="
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
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: ring 0 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: ring 0 data */
	.quad 0x00cffa000000ffff	/* 0x18: ring 3 32-bit code */
	.quad 0x00cff2000000ffff	/* 0x20: ring 3 data */
	.quad 0x00affa000000ffff	/* 0x28: ring 3 64-bit code */
	.quad 0, 0			/* 0x30: TSS */
	.quad 0, 0			/* 0x40: call gate, DPL 3 */
	.quad 0, 0			/* 0x50: call gate, DPL 0 */
	.quad 0, 0			/* 0x60: call gate to 32-bit code */
	.quad 0, 0			/* 0x70: call gate with a bad upper half */
gdt64_end:
gdt64_desc:
	.word gdt64_end - gdt64 - 1
	.quad gdt64
idt_desc:
	.word 256 * 16 - 1
	.quad idt

	.bss
	.align 16
kernel_rsp:	.quad 0
saved_rsp:	.quad 0
resume:		.quad 0
finishing:	.byte 0
	.align 16
tss:		.space 0x68
	.align 4096
idt:		.space 256 * 16
		.space 4096
stack0_top:
		.space 4096
stack3_top:

	.section .note.GNU-stack, "", @progbits
