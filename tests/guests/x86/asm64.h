/*
 * For the 64-bit assembly guests that cpu_boot64.S calls as main: macros
 * over the routines in asm64.S.
 */
#ifndef GUEST_ASM64_H
#define GUEST_ASM64_H

/* expect the next #GP to come back to label 1f (isr_gp in asm64.S resumes there) */
#define FAULT(...) lea 1f(%rip), %rax; mov %rax, resume(%rip); __VA_ARGS__; 1:
/* "msg0x%08x\n" with the value in %eax */
#define SHOW(msg) lea msg(%rip), %rdi; call show
/* a 16-byte gate: mkgate64(desc %rdi, target %rsi, selector %edx, attributes %ecx) */
#define GATE(desc, target, sel, attr) lea desc(%rip), %rdi; lea target(%rip), %rsi; \
	mov $sel, %edx; mov $attr, %ecx; call mkgate64

/* main's entry: keep cpu_boot64.S's stack for MAIN_RETURN, print the first line */
.macro MAIN_ENTER start
	push %rbx
	mov %rsp, kernel_rsp(%rip)
	lea \start(%rip), %rdi
	call ser_puts
.endm

/* from any stack in ring 0 (SS may be null): print the last line and return 0 */
.macro MAIN_RETURN done
	mov kernel_rsp(%rip), %rsp
	mov $0x10, %ax
	mov %ax, %ss
	lea \done(%rip), %rdi
	call ser_puts
	xor %eax, %eax
	pop %rbx
	ret
.endm

/* iretq to entry in ring 3 (CS 0x2b, SS 0x23) on stack */
.macro IRETQ_TO_RING3 entry, stack, rflags
	push $0x23
	lea \stack(%rip), %rax
	push %rax
	push $\rflags
	push $0x2b
	lea \entry(%rip), %rax
	push %rax
	iretq
.endm

/* the GDT's first entries, the same in every 64-bit guest: tss_init fills 0x30 */
.macro GDT64_RINGS
	.globl gdt64, gdt64_desc
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: ring 0 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: ring 0 data */
	.quad 0x00cffa000000ffff	/* 0x18: ring 3 32-bit code (sysret base) */
	.quad 0x00cff2000000ffff	/* 0x20: ring 3 data */
	.quad 0x00affa000000ffff	/* 0x28: ring 3 64-bit code */
	.quad 0, 0			/* 0x30: the TSS */
.endm

/* after the GDT's last entry: the pseudo-descriptor for lgdt */
.macro GDT64_END
gdt64_end:
gdt64_desc:
	.word gdt64_end - gdt64 - 1
	.quad gdt64
.endm

#endif
