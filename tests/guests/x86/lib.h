/* What the freestanding guests share: port I/O, COM1 output, exit. */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

void ser_putc(char c);
void ser_puts(const char *s);
void put_hex(uint32_t v);
void put_dec(uint32_t v);
void guest_exit(uint32_t code) __attribute__((noreturn));

#ifndef __x86_64__
/* a 32-bit IDT entry */
struct gate {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
} __attribute__((packed));

/* idt[v]: an interrupt gate to 0x08:fn that code at dpl may raise with int */
static inline void gate_set(struct gate *idt, unsigned v, void (*fn)(void), unsigned dpl)
{
	uint32_t a = (uint32_t)fn;

	idt[v] = (struct gate){ a & 0xffff, 0x08, 0, 0x8e | dpl << 5, a >> 16 };
}

/* lidt: the first n entries of idt */
static inline void idt_load(const struct gate *idt, unsigned n)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) idtr = { n * sizeof(*idt) - 1, (uint32_t)idt };

	__asm__ volatile("lidt %0" : : "m"(idtr));
}
#else
/* a 64-bit IDT entry */
struct gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));

/* idt[v]: an interrupt gate to 0x18:fn (cpu_boot64.S's code segment) that code at dpl may raise with int */
static inline void gate_set(struct gate *idt, unsigned v, void (*fn)(void), unsigned dpl)
{
	uint64_t a = (uint64_t)fn;

	idt[v] = (struct gate){ a & 0xffff, 0x18, 0, 0x8e | dpl << 5, (a >> 16) & 0xffff, a >> 32, 0 };
}
#endif

void *memset(void *d, int c, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n);

#endif
