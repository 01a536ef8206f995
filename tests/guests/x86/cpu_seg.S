/*
 * Segment limits and rights in 32-bit protected mode (entered by boot.S,
 * which calls main), in ring 0: accesses at and beyond the limit of a
 * small data segment, a write to read-only data, reads and writes through
 * an execute-only and a readable code segment, expand-down segments with
 * B=1 (offsets above the limit up to 4 GiB) and B=0 (up to 64 KiB), a null
 * DS, rep movsb stopping at ES's limit, and stacks: an expand-up SS with a
 * small limit and an expand-down SS, where pushes work above the limit and
 * accesses below it are #SS(0).  Each try prints its name, then the fault
 * it took (vector and error code) or what it read.  main returns 0.
 */
#include "asm32.h"

	.text
	.globl main

/* say "text": print it (any segments loaded) */
.macro SAY text
	.pushsection .rodata
.Lsay\@: .asciz "\text"
	.popsection
	push $.Lsay\@
	call say
.endm

/* TRY("name", insn): the handler resumes at 1: with the fault recorded */
#define TRY(text, ...) SAY text; mov $1f, %ebx; __VA_ARGS__; 1: call report

main:
	MAIN_ENTER msg_start
	/* descriptors with bases in the image */
	SEG(gdt + 0x18, buf, 0xff, 0x4092)		/* data, base buf, limit 0xff */
	SEG(gdt + 0x20, buf, 0xfff, 0x4090)		/* read-only data, base buf */
	SEG(gdt + 0x28, buf + 4, 0xfff, 0x4096)		/* expand-down, B=1, base buf + 4, limit 0xfff */
	SEG(gdt + 0x30, area64k, 0x7fff, 0x0096)	/* expand-down, B=0, limit 0x7fff: 0x8000-0xffff */
	SEG(gdt + 0x48, area64k, 0xfff, 0x4092)		/* stack, base area64k, limit 0xfff */
	mov $gdt + 0x50, %edi		/* expand-down stack, B=1, G=1, base 0, limit area64k + 0xfff */
	xor %eax, %eax
	mov $area64k, %ecx
	shr $12, %ecx
	mov $0xc096, %edx
	call mkseg
	/* #SS and #GP record the fault and resume at %ebx */
	movl $0xff, last_vec
	INTR(12, record_ss)
	INTR(13, record_gp)
	lgdt gdt_desc
	lidt idt_desc
	ljmp $0x08, $1f
1:
	mov $0x18, %ax
	mov %ax, %ds
	TRY("limit 0xff: dword at 0xfc", mov 0xfc, %eax)
	TRY("limit 0xff: dword at 0xfd", mov 0xfd, %eax)
	TRY("limit 0xff: byte at 0xff", movb 0xff, %al)
	TRY("limit 0xff: byte at 0x100", movb 0x100, %al)
	TRY("limit 0xff: write at 0xfe", movw %ax, 0xfe)
	TRY("limit 0xff: word write at 0xff", movw %ax, 0xff)
	mov $0x20, %ax
	mov %ax, %es
	TRY("read-only: read", mov %es:0, %eax)
	TRY("read-only: write", mov %eax, %es:0)
	TRY("read-only: add to memory", addl $1, %es:0)
	TRY("code: read through cs", mov %cs:buf, %eax)
	TRY("code: write through cs", mov %eax, %cs:buf)
	TRY("execute-only code as ds", mov $0x38, %ax; mov %ax, %ds)
	ljmp $0x38, $xo
xo_back:
	mov $0x10, %ax
	mov %ax, %ds
	mov $0x28, %ax			/* expand-down, B=1, limit 0xfff: offset 0xfffffffc is buf */
	mov %ax, %fs
	movl $0x600df00d, buf
	TRY("expand-down B=1: dword at 0x1000", mov %fs:0x1000, %eax)
	TRY("expand-down B=1: dword at 0xffc", mov %fs:0xffc, %eax)
	TRY("expand-down B=1: dword at 0xffe", mov %fs:0xffe, %eax)
	TRY("expand-down B=1: dword at 0xfffffffc", mov %fs:0xfffffffc, %eax)
	call value
	mov $0x30, %ax			/* expand-down, B=0, limit 0x7fff */
	mov %ax, %gs
	movl $0x5a5a1234, area64k + 0x8000
	TRY("expand-down B=0: dword at 0x8000", mov %gs:0x8000, %eax)
	call value
	TRY("expand-down B=0: byte at 0x7fff", movb %gs:0x7fff, %al)
	TRY("expand-down B=0: word at 0xfffe", movw %gs:0xfffe, %ax)
	TRY("expand-down B=0: dword at 0xfffe", mov %gs:0xfffe, %eax)
	TRY("expand-down B=0: byte at 0x10000", movb %gs:0x10000, %al)
	xor %eax, %eax
	mov %ax, %ds
	TRY("null ds: read", mov 0, %eax)
	TRY("null ds: write", mov %eax, 0)
	/* rep movsb into ES with limit 0xff: four bytes, then #GP(0) with ecx = 4 */
	mov $0x10, %ax
	mov %ax, %ds
	mov $0x18, %ax
	mov %ax, %es
	mov $buf, %esi
	mov $0xfc, %edi
	mov $8, %ecx
	cld
	TRY("rep movsb across the limit", rep movsb)
	mov %ecx, %eax
	call value
	mov $0x10, %ax
	mov %ax, %es
	/* an expand-up stack with limit 0xfff */
	mov $0x48, %ax
	mov %ax, %ss
	mov $0x800, %esp
	mov %esp, %ebp
	TRY("stack limit 0xfff: push", push %eax)
	pop %eax
	TRY("stack limit 0xfff: ebp at 0x7fc", mov -4(%ebp), %eax)
	TRY("stack limit 0xfff: ebp at 0xffc", mov 0x7fc(%ebp), %eax)
	TRY("stack limit 0xfff: ebp at 0x1000", mov 0x800(%ebp), %eax)
	TRY("stack limit 0xfff: ds override", mov %ds:0x800(%ebp), %eax)
	/* an expand-down stack: offsets above area64k + 0xfff */
	mov $0x50, %ax
	mov %ax, %ss
	mov $area64k + 0x1000 + 64, %esp
	TRY("expand-down stack: 4 pushes", push %eax; push %eax; push %eax; push %eax)
	mov %esp, %ebp
	TRY("expand-down stack: ebp-4", mov -4(%ebp), %eax)
	TRY("expand-down stack: ebp-52", mov -52(%ebp), %eax)
	mov $0x10, %ax
	mov %ax, %ss
	MAIN_RETURN msg_done

/* in the execute-only segment: it runs, but cannot be read */
xo:
	TRY("execute-only: read through cs", mov %cs:buf, %eax)
	TRY("execute-only: write through cs", mov %eax, %cs:buf)
	ljmp $0x08, $xo_back

record_ss:
	push $12
	jmp record
record_gp:
	push $13
/* vector, error, eip, cs, eflags: note the fault, go on at %ebx */
record:
	push %ds
	push %eax
	mov $0x10, %ax
	mov %ax, %ds
	mov 8(%esp), %eax
	mov %eax, last_vec
	mov 12(%esp), %eax
	mov %eax, last_err
	mov %ebx, 16(%esp)
	pop %eax
	pop %ds
	add $8, %esp
	iret

/*
 * The printing helpers run on a flat stack with flat DS/ES whatever the
 * test loaded, and give them back.
 */
.macro FLAT
	push %ds
	push %eax
	mov $0x10, %ax
	mov %ax, %ds
	pop %eax
	mov %ss, saved_ss
	mov %esp, saved_sp
	push %eax
	mov $0x10, %ax
	mov %ax, %ss
	pop %eax
	mov $print_stack_top, %esp
	push %es
	pushal
	mov $0x10, %ax
	mov %ax, %es
.endm

.macro UNFLAT
	popal
	pop %es
	mov saved_ss, %ss
	mov saved_sp, %esp
	pop %ds
.endm

/* say(text) */
say:
	FLAT
	mov saved_sp, %eax
	mov saved_ss, %ecx
	push %ecx			/* the text pointer lives on the caller's stack */
	push %eax
	call caller_arg
	add $8, %esp
	push %eax
	call ser_puts
	add $4, %esp
	UNFLAT
	ret $4

/* caller_arg(sp, ss): the dword at ss:sp + 8 (above our ds and return address) */
caller_arg:
	push %ds
	mov 12(%esp), %eax
	mov %ax, %ds
	mov 8(%esp), %eax
	mov 8(%eax), %eax
	pop %ds
	ret

/* report: ": #GP error=...", or ": ok" */
report:
	FLAT
	cmpl $0xff, last_vec
	je 1f
	push last_err
	cmpl $12, last_vec
	je 2f
	push $msg_gp
	jmp 3f
2:	push $msg_ss
3:	call show
	add $8, %esp
	movl $0xff, last_vec
	jmp 4f
1:	push $msg_ok
	call ser_puts
	add $4, %esp
4:	UNFLAT
	ret

/* value: " value=" %eax */
value:
	FLAT
	push 28(%esp)			/* eax, as pushal saved it */
	push $msg_value
	call show
	add $8, %esp
	UNFLAT
	ret

	.data
msg_start:	.asciz "seg: start\n"
msg_done:	.asciz "seg: done\n"
msg_gp:		.asciz ": #GP error="
msg_ss:		.asciz ": #SS error="
msg_ok:		.asciz ": ok\n"
msg_value:	.asciz "  value="
	.align 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0				/* 0x18: data, base buf, limit 0xff */
	.quad 0				/* 0x20: read-only data, base buf */
	.quad 0				/* 0x28: expand-down, B=1, base buf + 4 */
	.quad 0				/* 0x30: expand-down, B=0 */
	.quad 0x00cf98000000ffff	/* 0x38: execute-only code */
	.quad 0
	.quad 0				/* 0x48: stack, limit 0xfff */
	.quad 0				/* 0x50: expand-down stack */
	GDT_END

	.bss
	.align 4096
last_vec:	.long 0
last_err:	.long 0
saved_ss:	.long 0
saved_sp:	.long 0
buf:		.space 4096
		.space 4096
print_stack_top:
	.align 65536
area64k:	.space 65536

	.section .note.GNU-stack, "", @progbits
