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

void *memset(void *d, int c, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n);

#endif
