/*
 * Paging for the pg_* guests: the first 4 MiB identity-mapped with
 * supervisor 4 KiB pages (code, data, stack, tables), a #PF handler that
 * records the fault and resumes after the probing instruction, probes for
 * read, write and fetch.  Built for 2-level paging, or PAE with -DPAE.
 */
#ifndef GUEST_PG_H
#define GUEST_PG_H

#include "lib.h"

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

enum { RD, WR, FX };

extern volatile uint32_t pf_count, pf_err, pf_cr2;

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
/* The multiboot command line contains word. */
int cmdline_has(uint32_t mbinfo, const char *word);

#endif
