/*
 * An IDT guest: vector 0x40 prints "irq 0x40" and irets; #UD skips the
 * ud2 that raised it.  It checks both once by itself (int $0x40, ud2), then
 * waits with sti; hlt for two interrupts injected through `events`.
 */
#include "lib.h"

struct gate {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
} __attribute__((packed));

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

static void set_gate(int v, void (*fn)(void))
{
	uint32_t a = (uint32_t)fn;

	idt[v] = (struct gate){ a & 0xffff, 0x08, 0, 0x8e, a >> 16 };
}

int main(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint32_t)idt };

	for (int v = 0; v < 32; v++)
		set_gate(v, isr_other);
	set_gate(6, isr_ud);
	set_gate(0x40, isr_40);
	__asm__ volatile("lidt %0" : : "m"(idtr));
	__asm__ volatile("int $0x40");
	__asm__ volatile("ud2");
	ser_puts("waiting\n");
	irqs = 0;
	while (irqs < 2)
		__asm__ volatile("sti; hlt; cli");
	ser_puts("events: done\n");
	return 0;
}
