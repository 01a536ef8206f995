# make bench: guests and host programs of tests/bench (run.sh drives them).
# Guests are built next to their sources like the test guests; the host
# programs go to $(BUILD)/tests/bench.
BENCH      := tests/bench
BENCH_OBJ  := $(BUILD)/$(BENCH)

BENCH_X86_AS := $(CC) -m32 -march=i686 -ffreestanding -fno-pic -fno-pie -nostdlib \
                -Wall -Wextra -Werror
BENCH_X86_LD := ld -m elf_i386 -nostdlib -no-pie -z noexecstack --no-warn-rwx-segments \
                -T $(BENCH)/x86/link.ld
BENCH_PPC_AS := powerpc-linux-gnu-gcc -mcpu=440 -mbig-endian -ffreestanding -nostdlib \
                -fno-pic -mregnames -Wall -Wextra -Werror
BENCH_PPC_LD := powerpc-linux-gnu-ld -nostdlib -static --build-id=none --no-warn-rwx-segments \
                -T $(BENCH)/ppc/link.ld

# exitio: 20000 rounds for the C answerer, 1000 for the shell loop, a
# million for QEMU (whose unclaimed-port cost is too small to time otherwise)
BENCH_X86  := $(addprefix $(BENCH)/x86/,empty.elf int32.elf long64.elf mmu32.elf \
              mmu32_remap.elf exitio.elf exitio_sh.elf exitio_1m.elf)
BENCH_PPC  := $(addprefix $(BENCH)/ppc/,empty.elf int440.elf tlb440.elf)
BENCH_PROGS := $(addprefix $(BENCH_OBJ)/,nullfs ctlbench exitloop kvmbench)
GUESTS     += $(BENCH_X86) $(BENCH_PPC) $(BENCH_PROGS)

$(BENCH_OBJ)/x86/%.o: $(BENCH)/x86/%.S
	@mkdir -p $(dir $@)
	$(BENCH_X86_AS) -c -o $@ $<
$(BENCH_OBJ)/x86/mmu32_remap.o: $(BENCH)/x86/mmu32.S
	@mkdir -p $(dir $@)
	$(BENCH_X86_AS) -DREMAP -c -o $@ $<
$(BENCH_OBJ)/x86/exitio_sh.o: $(BENCH)/x86/exitio.S
	@mkdir -p $(dir $@)
	$(BENCH_X86_AS) -DITERS=1000 -c -o $@ $<
$(BENCH_OBJ)/x86/exitio_1m.o: $(BENCH)/x86/exitio.S
	@mkdir -p $(dir $@)
	$(BENCH_X86_AS) -DITERS=1000000 -c -o $@ $<
$(BENCH)/x86/%.elf: $(BENCH_OBJ)/x86/start.o $(BENCH_OBJ)/x86/%.o $(BENCH)/x86/link.ld
	$(BENCH_X86_LD) -o $@ $(filter %.o,$^)

$(BENCH_OBJ)/ppc/%.o: $(BENCH)/ppc/%.S
	@mkdir -p $(dir $@)
	$(BENCH_PPC_AS) -c -o $@ $<
$(BENCH)/ppc/%.elf: $(BENCH_OBJ)/ppc/start.o $(BENCH_OBJ)/ppc/%.o $(BENCH)/ppc/link.ld
	$(BENCH_PPC_LD) -o $@ $(filter %.o,$^)

$(BENCH_OBJ)/%: $(BENCH)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LDLIBS)

.PRECIOUS: $(BENCH_OBJ)/x86/%.o $(BENCH_OBJ)/ppc/%.o
