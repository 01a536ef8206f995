/*
 * The device tree handed to a loaded kernel (r3), shaped like Linux's
 * bamboo.dts so that the kernel's 44x platform code finds what it expects:
 * the cpu with its frequencies and DCR access, memory from the memslots,
 * UIC0 on DCR 0xc0, the UART under plb/opb, and /chosen.
 */
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ppc.h"

#define FDT_MAX (64 << 10)
#define PH_CPU 1
#define PH_UIC0 2
#define UART_PATH "/plb/opb/serial@ef600300"

static int begin(void *f, const char *name) { return fdt_begin_node(f, name); }
static int end(void *f) { return fdt_end_node(f); }
static int cell(void *f, const char *name, uint32_t v) { return fdt_property_u32(f, name, v); }
static int str(void *f, const char *name, const char *s) { return fdt_property_string(f, name, s); }
static int empty(void *f, const char *name) { return fdt_property(f, name, NULL, 0); }

/* At most three cells per memslot: the memory node's reg is the longest list. */
static int cells(void *f, const char *name, const uint32_t *v, int n)
{
	uint32_t be[3 * MEMSLOTS_MAX];

	if (n > (int)(sizeof(be) / sizeof(be[0])))
		return -FDT_ERR_BADVALUE;
	for (int i = 0; i < n; i++)
		be[i] = __builtin_bswap32(v[i]);
	return fdt_property(f, name, be, n * 4);
}

/* Several NUL-separated strings, most specific first; c may be NULL. */
static int strs(void *f, const char *name, const char *a, const char *b, const char *c)
{
	const char *l[3] = { a, b, c };
	char buf[128];
	size_t n = 0;

	for (int i = 0; i < 3 && l[i]; i++) {
		size_t k = strlen(l[i]) + 1;

		memcpy(buf + n, l[i], k);
		n += k;
	}
	return fdt_property(f, name, buf, n);
}

static int memory(void *f, struct vm *vm)
{
	uint32_t reg[3 * MEMSLOTS_MAX];
	int n = 0, r;

	if ((r = begin(f, "memory")) || (r = str(f, "device_type", "memory")))
		return r;
	for (int i = 0; i < vm->slots.n; i++) {
		const struct memslot *s = vm->slots.slot[i];
		uint64_t size = s->size > 0xfffff000u ? 0xfffff000u : s->size;

		reg[n++] = s->gpa >> 32;
		reg[n++] = s->gpa;
		reg[n++] = size;
	}
	if ((r = cells(f, "reg", reg, n)))
		return r;
	return end(f);
}

/*
 * The paravirtual interface (pv.c), as Linux looks for it: /hypervisor
 * compatible "linux,kvm", the hypercall sequence of a non-HV BookE guest
 * (lis r0,"KV"; ori r0,r0,"M!"; sc; nop) under both property names, and
 * has-idle for EV_IDLE.
 */
static int hypervisor(void *f)
{
	static const uint32_t hcall[] = { 0x3c004b56, 0x60004d21, 0x44000002, 0x60000000 };
	int r;

	if ((r = begin(f, "hypervisor")) || (r = strs(f, "compatible", "linux,kvm", "epapr,hypervisor-1", NULL)) ||
	    (r = cells(f, "hcall-instructions", hcall, 4)) ||
	    (r = cells(f, "hypercall-instructions", hcall, 4)) || (r = empty(f, "has-idle")))
		return r;
	return end(f);
}

static int tree(void *f, struct vm *vm, const char *cmdline, bool pv)
{
	static const uint32_t uic_dcr[] = { 0xc0, 9 };
	static const uint32_t opb_ranges[] = { 0x00000000, 0x00000000, 0x00000000, 0x80000000,
					       0x80000000, 0x00000000, 0x80000000, 0x80000000 };
	static const uint32_t uart_reg[] = { 0xef600300, 8 };
	static const uint32_t uart_irq[] = { 0, 4 };	/* UIC0 input 0, level high */
	int r = 0;

#define T(x) do { if ((r = (x))) return r; } while (0)
	T(begin(f, ""));
	T(cell(f, "#address-cells", 2));
	T(cell(f, "#size-cells", 1));
	T(str(f, "model", "amcc,bamboo"));
	T(str(f, "compatible", "amcc,bamboo"));
	T(cell(f, "dcr-parent", PH_CPU));

	T(begin(f, "aliases"));
	T(str(f, "serial0", UART_PATH));
	T(end(f));

	T(begin(f, "cpus"));
	T(cell(f, "#address-cells", 1));
	T(cell(f, "#size-cells", 0));
	T(begin(f, "cpu@0"));
	T(str(f, "device_type", "cpu"));
	T(str(f, "model", "PowerPC,440EP"));
	T(cell(f, "reg", 0));
	T(cell(f, "clock-frequency", PPC_TB_HZ));
	T(cell(f, "timebase-frequency", PPC_TB_HZ));
	T(cell(f, "i-cache-line-size", 32));
	T(cell(f, "d-cache-line-size", 32));
	T(cell(f, "i-cache-size", 32768));
	T(cell(f, "d-cache-size", 32768));
	T(empty(f, "dcr-controller"));
	T(str(f, "dcr-access-method", "native"));
	T(cell(f, "phandle", PH_CPU));
	T(end(f));
	T(end(f));

	T(memory(f, vm));

	T(begin(f, "interrupt-controller0"));
	T(strs(f, "compatible", "ibm,uic-440ep", "ibm,uic", NULL));
	T(empty(f, "interrupt-controller"));
	T(cell(f, "cell-index", 0));
	T(cells(f, "dcr-reg", uic_dcr, 2));
	T(cell(f, "#address-cells", 0));
	T(cell(f, "#size-cells", 0));
	T(cell(f, "#interrupt-cells", 2));
	T(cell(f, "phandle", PH_UIC0));
	T(end(f));

	T(begin(f, "plb"));
	T(strs(f, "compatible", "ibm,plb-440ep", "ibm,plb-440gp", "ibm,plb4"));
	T(cell(f, "#address-cells", 2));
	T(cell(f, "#size-cells", 1));
	T(empty(f, "ranges"));
	T(cell(f, "clock-frequency", 133333332));
	T(begin(f, "opb"));
	T(strs(f, "compatible", "ibm,opb-440ep", "ibm,opb-440gp", "ibm,opb"));
	T(cell(f, "#address-cells", 1));
	T(cell(f, "#size-cells", 1));
	T(cells(f, "ranges", opb_ranges, 8));
	T(cell(f, "interrupt-parent", PH_UIC0));
	T(cell(f, "clock-frequency", 66666666));
	T(begin(f, "serial@ef600300"));
	T(str(f, "device_type", "serial"));
	T(str(f, "compatible", "ns16550"));
	T(cells(f, "reg", uart_reg, 2));
	T(cell(f, "virtual-reg", 0xef600300));
	T(cell(f, "clock-frequency", 11059200));
	T(cell(f, "current-speed", 115200));
	T(cell(f, "interrupt-parent", PH_UIC0));
	T(cells(f, "interrupts", uart_irq, 2));
	T(end(f));
	T(end(f));
	T(end(f));

	if (pv)
		T(hypervisor(f));

	T(begin(f, "chosen"));
	T(str(f, "bootargs", cmdline ? cmdline : ""));
	T(str(f, "linux,stdout-path", UART_PATH));
	T(str(f, "stdout-path", UART_PATH));
	T(end(f));

	T(end(f));
#undef T
	return 0;
}

int ppc_fdt_build(struct vm *vm, const char *cmdline, bool pv, void **out, size_t *len, char *why, size_t whylen)
{
	void *f = malloc(FDT_MAX);
	int r;

	if (!f) {
		snprintf(why, whylen, "out of memory for the device tree");
		return -ENOMEM;
	}
	if ((r = fdt_create(f, FDT_MAX)) || (r = fdt_finish_reservemap(f)) || (r = tree(f, vm, cmdline, pv)) ||
	    (r = fdt_finish(f))) {
		snprintf(why, whylen, "device tree: %s (is cmdline too long?)", fdt_strerror(r));
		free(f);
		return -EINVAL;
	}
	*len = fdt_totalsize(f);
	*out = f;
	return 0;
}
