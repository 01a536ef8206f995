/* The ppc440 guests' small runtime: UART0 output, SPR access, exit, interrupts. */
#ifndef GUEST_PPC_LIB_H
#define GUEST_PPC_LIB_H

#include <stdint.h>

#define mfspr(n) ({ uint32_t v_; __asm__ volatile("mfspr %0, %1" : "=r"(v_) : "i"(n)); v_; })
#define mtspr(n, v) __asm__ volatile("mtspr %0, %1" : : "i"(n), "r"((uint32_t)(v)) : "memory")
#define mfdcr(n) ({ uint32_t v_; __asm__ volatile("mfdcr %0, %1" : "=r"(v_) : "i"(n)); v_; })
#define mtdcr(n, v) __asm__ volatile("mtdcr %0, %1" : : "i"(n), "r"((uint32_t)(v)) : "memory")

static inline uint32_t mfmsr(void) { uint32_t v; __asm__ volatile("mfmsr %0" : "=r"(v)); return v; }
static inline void mtmsr(uint32_t v) { __asm__ volatile("mtmsr %0; isync" : : "r"(v) : "memory"); }

enum { SPR_DEC = 22, SPR_SRR0 = 26, SPR_SRR1 = 27, SPR_PID = 48, SPR_DECAR = 54, SPR_DEAR = 61,
       SPR_ESR = 62, SPR_TBL = 268, SPR_TBU = 269, SPR_PVR = 287, SPR_DBCR0 = 308, SPR_TSR = 336,
       SPR_TCR = 340, SPR_MMUCR = 946, SPR_SPRG0 = 272 };

#define MSR_WE 0x00040000u
#define MSR_CE 0x00020000u
#define MSR_EE 0x00008000u
#define MSR_PR 0x00004000u
#define MSR_FP 0x00002000u
#define MSR_ME 0x00001000u

/* The registers an interrupt saved; int_handler may change them. */
struct frame {
	uint32_t gpr[32];
	uint32_t srr0, srr1, cr, lr, ctr, xer;
};
/* Called for every interrupt; the default one reports it and stops the guest. */
void int_handler(unsigned vector, struct frame *f);

/* r3 at entry: the device tree the loader built */
extern uint32_t boot_fdt;

void putc(char c);
void puts(const char *s);
void puthex(uint32_t v);
void putdec(uint32_t v);
/* puts(label), puthex(v), newline */
void show(const char *label, uint32_t v);
void guest_exit(void) __attribute__((noreturn));
/* Run fn in user mode (MSR[PR]); int_handler must first offer vector 8 to user_return. */
void to_user(void (*fn)(void));
int user_return(unsigned vector, struct frame *f);

#define TLB_V 0x200u
#define TLB_TS 0x100u
#define TLB_4K (1u << 4)
#define TLB_16M (7u << 4)
#define TLB_256M (9u << 4)
/* tlbwe all three words of entry idx, with TID tid */
void tlb_set(unsigned idx, uint32_t w0, uint32_t w1, uint32_t w2, unsigned tid);
/* Let user mode run code and touch data in the first 256 MiB. */
void user_ram(void);

void *memset(void *d, int c, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n);

#endif
