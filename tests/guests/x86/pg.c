/* Paging helpers for the pg_* guests (pg.h). */
#include "pg.h"

volatile uint32_t pf_count, pf_err, pf_cr2, pf_vec;
volatile uint32_t pf_resume;	/* where a probe continues after its fault */

static struct gate idt[0x82];
extern void pf_entry(void), gp_entry(void), ud_entry(void), ring0_return(void);
extern void user_enter(int kind, uint32_t va, uint32_t eflags, uint32_t eip, uint32_t esp);
extern const uint8_t user_probe[], user_probe_done[], user_probe_end[];

/* The GDT, the TSS and the ring-0 stack ring 3 enters on: supervisor pages like all data. */
static uint32_t gdt[2 * 7] __attribute__((aligned(8))) = {
	0, 0,
	0x0000ffff, 0x00cf9a00,		/* 0x08: ring 0 code */
	0x0000ffff, 0x00cf9200,		/* 0x10: ring 0 data */
	0x0000ffff, 0x00cffa00,		/* 0x18: ring 3 code */
	0x0000ffff, 0x00cff200,		/* 0x20: ring 3 data */
};
static uint32_t tss[26];
static uint32_t ring0_stack[1024] __attribute__((aligned(4096)));
/* ring 3's code (a copy of user_probe) and stack: the only user pages of the identity map */
static uint8_t user_code[4096] __attribute__((aligned(4096)));
static uint8_t user_stack[4096] __attribute__((aligned(4096)));

#define NPOOL 160
static pte_t pool[NPOOL][PT_N] __attribute__((aligned(4096)));
static unsigned pool_used;
#ifdef PAE
static pte_t pdpt[72][4] __attribute__((aligned(32)));	/* one per address space */
static unsigned npdpt;
#endif
static pte_t *ident[4 * 1024 * 1024 / 4096 / PT_N];	/* identity page tables */
static uint32_t cur_cr3;

void pg_fault(uint32_t *frame, uint32_t vector)
{
	uint32_t cr2;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	pf_count++;
	pf_vec = vector;
	pf_err = frame[0];
	pf_cr2 = vector == 14 ? cr2 : 0;
	frame[1] = pf_resume;
}

static pte_t *table(void)
{
	if (pool_used == NPOOL) {
		ser_puts("pg: out of page tables\n");
		guest_exit(0x7e);
	}
	return pool[pool_used++];
}

static pte_t *frame_of(pte_t e)
{
	return (pte_t *)(uint32_t)(e & 0xfffff000u);
}

/* The page directory covering va in the address space cr3. */
static pte_t *pd_of(uint32_t cr3, uint32_t va)
{
#ifdef PAE
	return frame_of(((pte_t *)cr3)[va >> 30]);
#else
	(void)va;
	return (pte_t *)cr3;
#endif
}

static unsigned pd_index(uint32_t va)
{
#ifdef PAE
	return (va >> 21) & 511;
#else
	return va >> 22;
#endif
}

pte_t *pg_pte_in(uint32_t cr3, uint32_t va)
{
	pte_t *pd = pd_of(cr3, va), *e = &pd[pd_index(va)];

	if (!(*e & P) || (*e & PS))
		*e = (uint32_t)table() | P | W | U;
	return &frame_of(*e)[(va >> 12) & (PT_N - 1)];
}

pte_t *pg_pde_in(uint32_t cr3, uint32_t va)
{
	return &pd_of(cr3, va)[pd_index(va)];
}

pte_t *pg_pde(uint32_t va)
{
	return pg_pde_in(cur_cr3, va);
}

pte_t *pg_pte(uint32_t va)
{
	return pg_pte_in(cur_cr3, va);
}

uint32_t pg_new_space(void)
{
	uint32_t cr3;
	pte_t *pd;

#ifdef PAE
	pte_t *p = pdpt[npdpt++];

	for (int i = 0; i < 4; i++)
		p[i] = (uint32_t)table() | P;
	cr3 = (uint32_t)p;
#else
	cr3 = (uint32_t)table();
#endif
	pd = pd_of(cr3, 0);
	for (unsigned i = 0; i < sizeof(ident) / sizeof(ident[0]); i++)
		pd[i] = (uint32_t)ident[i] | P | W | U;
	return cr3;
}

void pg_set_cr3(uint32_t cr3)
{
	cur_cr3 = cr3;
	__asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
}

uint32_t pg_cr3(void)
{
	return cur_cr3;
}

void pg_reload(void)
{
	pg_set_cr3(cur_cr3);
}

void invlpg(uint32_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* crN_get and crN_set */
#define CR_ACCESS(n)								\
	uint32_t cr##n##_get(void)						\
	{									\
		uint32_t v;							\
										\
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));		\
		return v;							\
	}									\
										\
	void cr##n##_set(uint32_t v)						\
	{									\
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory");	\
	}

CR_ACCESS(0)
CR_ACCESS(4)

void ac_set(int on)
{
	if (on)
		__asm__ volatile("pushfl; orl $0x40000, (%%esp); popfl" : : : "memory", "cc");
	else
		__asm__ volatile("pushfl; andl $~0x40000, (%%esp); popfl" : : : "memory", "cc");
}

int probe(int kind, uint32_t va)
{
	uint32_t before = pf_count;

	if (kind == RD)
		__asm__ volatile("movl $1f, pf_resume\n\tmovb (%0), %%al\n1:" : : "r"(va) : "eax", "memory");
	else if (kind == WR)
		__asm__ volatile("movl $1f, pf_resume\n\tmovb $0xc3, (%0)\n1:" : : "r"(va) : "memory");
	else
		__asm__ volatile("movl $1f, pf_resume\n\tmovl %%esp, %%esi\n\tcall *%0\n1:\tmovl %%esi, %%esp"
				 : : "r"(va) : "esi", "eax", "ecx", "edx", "memory");
	return pf_count != before;
}

int probe_user(int kind, uint32_t va, int ac)
{
	uint32_t before = pf_count;

	pf_resume = (uint32_t)user_code + (user_probe_done - user_probe);
	user_enter(kind, va, 2 | (ac ? 0x40000 : 0), (uint32_t)user_code,
		   (uint32_t)user_stack + sizeof(user_stack));
	return pf_count != before;
}

void gdt_set(unsigned sel, uint32_t lo, uint32_t hi)
{
	gdt[sel / 4] = lo;
	gdt[sel / 4 + 1] = hi;
}

/* GDT with ring-3 segments and a TSS; gates for #UD, #GP, #PF, int $0x80 (from ring 3) and int $0x81. */
static void rings_init(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) gdtr = { sizeof(gdt) - 1, (uint32_t)gdt },
				  idtr = { sizeof(idt) - 1, (uint32_t)idt };
	uint32_t t = (uint32_t)tss;

	tss[1] = (uint32_t)ring0_stack + sizeof(ring0_stack);	/* ESP0 */
	tss[2] = 0x10;						/* SS0 */
	tss[25] = sizeof(tss) << 16;				/* no I/O bitmap inside the limit */
	gdt_set(SEL_TSS, (t & 0xffff) << 16 | (sizeof(tss) - 1), (t >> 16 & 0xff) | 0x8900 | (t & 0xff000000));
	gate_set(idt, 6, ud_entry, 0);
	gate_set(idt, 13, gp_entry, 0);
	gate_set(idt, 14, pf_entry, 0);
	gate_set(idt, 0x80, ring0_return, 3);
	gate_set(idt, 0x81, ring0_return, 0);
	__asm__ volatile("lgdt %0\n\tlidt %1\n\tltr %w2" : : "m"(gdtr), "m"(idtr), "r"(SEL_TSS));
	memcpy(user_code, user_probe, user_probe_end - user_probe);
}

int cmdline_has(uint32_t mbinfo, const char *word)
{
	const uint32_t *mb = (const uint32_t *)mbinfo;
	const char *s;

	if (!(mb[0] & 4))
		return 0;
	for (s = (const char *)mb[4]; *s; s++) {
		const char *a = s, *b = word;

		while (*b && *a == *b)
			a++, b++;
		if (!*b)
			return 1;
	}
	return 0;
}

#define ident_pte(va) (ident[((va) >> 12) / PT_N][((va) >> 12) % PT_N])

void pg_init(void)
{
	rings_init();
	for (unsigned i = 0; i < sizeof(ident) / sizeof(ident[0]); i++) {
		ident[i] = table();
		for (unsigned j = 0; j < PT_N; j++)
			ident[i][j] = ((i * PT_N + j) << 12) | P | W;
	}
	ident_pte((uint32_t)user_code) |= U;
	ident_pte((uint32_t)user_stack) |= U;
	pg_set_cr3(pg_new_space());
#ifdef PAE
	cr4_set(cr4_get() | CR4_PAE);
#else
	cr4_set(cr4_get() | CR4_PSE);
#endif
	cr0_set(cr0_get() | CR0_PG);
}
