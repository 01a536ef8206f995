/*
 * An IDT guest: vector 0x40 prints "irq 0x40" and irets; #UD skips the
 * ud2 that raised it.  It checks both once by itself (int $0x40, ud2), then
 * waits with sti; hlt for two interrupts injected through `events`.
 */
#include "lib.h"

static struct gate idt[0x41];
static volatile int irqs;

extern void isr_40(void), isr_ud(void), isr_other(void);

void irq40(void)
{
	irqs++;
	ser_puts("irq 0x40\n");
}

/* frame points at the saved eip */
void ud_fault(uint32_t *frame)
{
	ser_puts("#UD at ");
	put_hex(*frame);
	ser_puts("\n");
	*frame += 2;
}

void other_fault(void)
{
	ser_puts("unexpected exception\n");
	guest_exit(0x7f);
}

int main(void)
{
	for (int v = 0; v < 32; v++)
		gate_set(idt, v, isr_other, 0);
	gate_set(idt, 6, isr_ud, 0);
	gate_set(idt, 0x40, isr_40, 0);
	idt_load(idt, sizeof(idt) / sizeof(idt[0]));
	__asm__ volatile("int $0x40");
	__asm__ volatile("ud2");
	ser_puts("waiting\n");
	irqs = 0;
	while (irqs < 2)
		__asm__ volatile("sti; hlt; cli");
	ser_puts("events: done\n");
	return 0;
}
