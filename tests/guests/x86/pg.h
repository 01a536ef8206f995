/*
 * Paging for the pg_* guests: the first 4 MiB identity-mapped with
 * supervisor 4 KiB pages (code, data, stack, tables, and the GDT, IDT and
 * TSS), a #PF handler that records the fault and resumes after the
 * probing instruction, probes for read, write and fetch at CPL 0 and at
 * CPL 3 (a probe on a user page, entered by iret and left by int $0x80).
 * Built for 2-level paging, or PAE with -DPAE.
 */
#ifndef GUEST_PG_H
#define GUEST_PG_H

#include "pgcheck.h"

#ifdef PAE
typedef uint64_t pte_t;
#define PT_N 512
#define LARGE_SIZE 0x200000u
#else
typedef uint32_t pte_t;
#define PT_N 1024
#define LARGE_SIZE 0x400000u
#endif

#define P 0x1u
#define W 0x2u
#define U 0x4u
#define A 0x20u
#define D 0x40u
#define PS 0x80u
#define NX (1ull << 63)

#define CR0_WP (1u << 16)
#define CR0_PG (1u << 31)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_SMEP (1u << 20)
#define CR4_SMAP (1u << 21)

extern volatile uint32_t pf_count, pf_err, pf_cr2;	/* pf_count: #PF, #GP and #UD */

/* Turn paging on; the page-directory entry for va (created on demand for 4 KiB maps). */
void pg_init(void);
pte_t *pg_pde(uint32_t va);
pte_t *pg_pde_in(uint32_t cr3, uint32_t va);
/* The 4 KiB PTE of va (its page table is made on demand, supervisor R/W). */
pte_t *pg_pte(uint32_t va);
void pg_reload(void);		/* mov cr3, cr3 */
uint32_t pg_cr3(void);
void pg_set_cr3(uint32_t cr3);
/* A fresh top-level table sharing the identity map (each a new address space). */
uint32_t pg_new_space(void);
pte_t *pg_pte_in(uint32_t cr3, uint32_t va);
void invlpg(uint32_t va);
uint32_t cr0_get(void);
void cr0_set(uint32_t v);
uint32_t cr4_get(void);
void cr4_set(uint32_t v);
void ac_set(int on);
/* 1 if the access faulted (pf_err, pf_cr2 say how). */
int probe(int kind, uint32_t va);
/*
 * The same access made at CPL 3 (EFLAGS.AC = ac there), or one of the
 * other things ring 3 does with system tables: SEG loads FS with the
 * selector `va` (a GDT or LDT read), IO reads port `va` (the TSS's I/O
 * bitmap), INT runs int $0x81 (an IDT read; its gate has DPL 0), STAC
 * runs stac.  1 if it faulted: pf_vec says with what.
 */
enum { SEG = 3, IO, INT, STAC };
int probe_user(int kind, uint32_t va, int ac);
extern volatile uint32_t pf_vec;
/* pg_init's GDT: ring 0 and ring 3 flat segments, the TSS, one free slot. */
#define SEL_CODE3 0x1b
#define SEL_DATA3 0x23
#define SEL_TSS 0x28
#define SEL_FREE 0x30
void gdt_set(unsigned sel, uint32_t lo, uint32_t hi);
/* A 32-bit read or write the compiler may not drop or merge (through a mapping under test). */
static inline uint32_t rd(uint32_t va)
{
	return *(volatile uint32_t *)va;
}

static inline void wr(uint32_t va, uint32_t v)
{
	*(volatile uint32_t *)va = v;
}

/* The multiboot command line contains word. */
int cmdline_has(uint32_t mbinfo, const char *word);

#endif
