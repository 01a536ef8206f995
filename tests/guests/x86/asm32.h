/*
 * For the 32-bit assembly guests that boot.S calls as main: macros over
 * the routines in asm32.S, so that each guest states only its own
 * descriptors and steps.
 */
#ifndef GUEST_ASM32_H
#define GUEST_ASM32_H

/* expect the next fault to come back to label 1f (the handlers in asm32.S resume there) */
#define FAULT(...) movl $1f, resume; __VA_ARGS__; 1:
/* "msg0x%08x\n" */
#define SHOW(msg, val) push val; push $msg; call show; add $8, %esp
/* a segment descriptor: mkseg(desc %edi, base %eax, limit %ecx, access %dl, flags %dh) */
#define SEG(desc, base, limit, attr) mov $desc, %edi; mov $base, %eax; mov $limit, %ecx; \
	mov $attr, %edx; call mkseg
/* a gate: mkgate(desc %edi, offset %edx, selector %ax, attributes and parameter count %cx) */
#define GATE(desc, offset, sel, attr) mov $desc, %edi; mov $offset, %edx; mov $sel, %eax; \
	mov $attr, %ecx; call mkgate
/* a DPL-0 interrupt gate to 0x08:handler */
#define INTR(vector, handler) mov $idt + (vector) * 8, %edi; mov $handler, %edx; call mkintr

/* main's entry: keep boot.S's registers and stack for main_return, print the first line */
.macro MAIN_ENTER start
	push %ebp
	push %ebx
	push %esi
	push %edi
	mov %esp, kernel_esp
	push $\start
	call ser_puts
	add $4, %esp
.endm

/* from any stack in ring 0: print the last line and return 0 to boot.S */
.macro MAIN_RETURN done
	mov kernel_esp, %esp
	push $\done
	call ser_puts
	add $4, %esp
	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	xor %eax, %eax
	ret
.endm

/* gdt_desc and idt_desc loaded, CS 0x08, SS 0x10, TR 0x28: a 32-bit TSS at tss whose SS0:ESP0 is 0x10:esp0 */
.macro TABLES_LOAD esp0
	lgdt gdt_desc
	lidt idt_desc
	ljmp $0x08, $1f
1:	mov $0x10, %ax
	mov %ax, %ss
	movl $\esp0, tss + 4
	movl $0x10, tss + 8
	mov $0x28, %ax
	ltr %ax
.endm

/* iret to entry in ring 3 (CS 0x1b, SS 0x23) on stack */
.macro IRET_TO_RING3 entry, stack, eflags
	push $0x23
	push $\stack
	push $\eflags
	push $0x1b
	push $\entry
	iret
.endm

/* the GDT's first five entries, the same in every guest that has rings */
.macro GDT_RINGS
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: ring 0 code */
	.quad 0x00cf92000000ffff	/* 0x10: ring 0 data */
	.quad 0x00cffa000000ffff	/* 0x18: ring 3 code (sysexit: SYSENTER_CS + 16) */
	.quad 0x00cff2000000ffff	/* 0x20: ring 3 data (sysexit: SYSENTER_CS + 24) */
.endm

/* after the GDT's last entry: its end and the pseudo-descriptor for lgdt */
.macro GDT_END
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt
.endm

#endif
