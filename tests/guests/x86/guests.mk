# x86 guests: multiboot ELF32 images built with the native tools
# (gcc -m32 for compiling only: no multilib or libgcc is needed).
X86G      := tests/guests/x86
X86G_OBJ  := $(BUILD)/$(X86G)
X86G_CC   := $(CC) -m32 -march=i686 -mgeneral-regs-only -ffreestanding -fno-pic -fno-pie \
             -fno-stack-protector -fcf-protection=none -fno-asynchronous-unwind-tables \
             -nostdlib -O2 -Wall -Wextra -Werror
X86G_LD   := ld -m elf_i386 -nostdlib -no-pie -z noexecstack --no-warn-rwx-segments -T $(X86G)/link.ld
X86G_LIB  := $(X86G_OBJ)/boot.o $(X86G_OBJ)/lib.o

X86G_ELFS := $(addprefix $(X86G)/,hello.elf demo.elf io.elf mmio.elf dirty.elf events.elf reset.elf \
             compute.elf realmode.elf cpu_debug.elf cpu_ring32.elf \
             cpu_gate.elf cpu_seg.elf cpu_task.elf cpu_modes.elf cpu_v86.elf)
GUESTS    += $(X86G_ELFS)

$(X86G_OBJ)/%.o: $(X86G)/%.c $(X86G)/lib.h
	@mkdir -p $(dir $@)
	$(X86G_CC) -c -o $@ $<

$(X86G_OBJ)/%.o: $(X86G)/%.S
	@mkdir -p $(dir $@)
	$(X86G_CC) -c -o $@ $<

$(X86G)/%.elf: $(X86G_OBJ)/%.o $(X86G_LIB) $(X86G)/link.ld
	$(X86G_LD) -o $@ $(X86G_LIB) $<

# The 32-bit assembly guests: boot.S calls their main, asm32.S has what they share.
X86G_ASM32 := $(addprefix $(X86G)/,cpu_ring32.elf cpu_gate.elf cpu_seg.elf cpu_task.elf cpu_v86.elf)
$(X86G_ASM32:$(X86G)/%.elf=$(X86G_OBJ)/%.o): $(X86G)/asm32.h

$(X86G_ASM32): $(X86G)/%.elf: $(X86G_OBJ)/%.o $(X86G_OBJ)/asm32.o $(X86G_LIB) $(X86G)/link.ld
	$(X86G_LD) -o $@ $(X86G_LIB) $< $(X86G_OBJ)/asm32.o

$(X86G)/events.elf: $(X86G_OBJ)/events.o $(X86G_OBJ)/isr.o $(X86G_LIB) $(X86G)/link.ld
	$(X86G_LD) -o $@ $(X86G_LIB) $(X86G_OBJ)/events.o $(X86G_OBJ)/isr.o

$(X86G)/compute.elf: $(X86G_OBJ)/compute_main.o $(X86G_OBJ)/compute.o $(X86G_LIB) $(X86G)/link.ld
	$(X86G_LD) -o $@ $(X86G_LIB) $(X86G_OBJ)/compute_main.o $(X86G_OBJ)/compute.o

$(X86G)/realmode.elf: $(X86G_OBJ)/realmode.o $(X86G)/link.ld
	$(X86G_LD) -n -o $@ $<

# cpu_modes has its own multiboot entry and prints with lib.c.
$(X86G)/cpu_modes.elf: $(X86G_OBJ)/cpu_modes.o $(X86G_OBJ)/lib.o $(X86G)/link.ld
	$(X86G_LD) -o $@ $(X86G_OBJ)/cpu_modes.o $(X86G_OBJ)/lib.o

.PRECIOUS: $(X86G_OBJ)/%.o
$(X86G_OBJ)/boot.o $(X86G_OBJ)/realmode.o $(X86G_OBJ)/cpu_modes.o: $(X86G)/boot.h

# 64-bit guests: C compiled with -m64, entered through cpu_boot64.S, linked
# as ELF64 and handed out as ELF32 (what multiboot loaders, QEMU's too, take).
X86G64_CC  := $(CC) -m64 -mgeneral-regs-only -mno-red-zone -mcmodel=small -ffreestanding -fno-pic \
              -fno-pie -fno-stack-protector -fcf-protection=none -fno-asynchronous-unwind-tables \
              -nostdlib -O2 -Wall -Wextra -Werror
X86G64_LD  := ld -m elf_x86_64 -nostdlib -no-pie -z noexecstack --no-warn-rwx-segments -T $(X86G)/link.ld
X86G64_LIB := $(X86G_OBJ)/cpu_boot64.o64 $(X86G_OBJ)/lib.o64

$(X86G_OBJ)/%.o64: $(X86G)/%.c $(X86G)/lib.h
	@mkdir -p $(dir $@)
	$(X86G64_CC) -c -o $@ $<

$(X86G_OBJ)/%.o64: $(X86G)/%.S
	@mkdir -p $(dir $@)
	$(X86G64_CC) -c -o $@ $<

# Each links the objects named below after the entry and lib.c.
X86G64_ELFS := $(addprefix $(X86G)/,cpu_compute64.elf cpu_ring64.elf pg_long.elf cpu_gate64.elf cpu_insn64.elf)
$(X86G64_ELFS): $(X86G)/%.elf: $(X86G64_LIB) $(X86G)/link.ld
	$(X86G64_LD) -o $@.64 $(X86G64_LIB) $(filter-out $(X86G64_LIB),$(filter %.o64,$^))
	objcopy -O elf32-i386 $@.64 $@
	rm -f $@.64

$(X86G)/cpu_compute64.elf: $(X86G_OBJ)/compute_main.o64 $(X86G_OBJ)/compute.o64
$(X86G)/cpu_ring64.elf: $(X86G_OBJ)/cpu_ring64.o64 $(X86G_OBJ)/asm64.o64
$(X86G)/pg_long.elf: $(X86G_OBJ)/pg_long.o64 $(X86G_OBJ)/pg_isr64.o64 $(X86G_OBJ)/pgcheck.o64
$(X86G_OBJ)/pg_long.o64 $(X86G_OBJ)/pgcheck.o64: $(X86G)/pgcheck.h
$(X86G)/cpu_gate64.elf: $(X86G_OBJ)/cpu_gate64.o64 $(X86G_OBJ)/asm64.o64
$(X86G)/cpu_insn64.elf: $(X86G_OBJ)/cpu_insn64.o64
$(X86G_OBJ)/cpu_boot64.o64: $(X86G)/boot.h
$(X86G_OBJ)/cpu_ring64.o64 $(X86G_OBJ)/cpu_gate64.o64: $(X86G)/asm64.h

X86G_ELFS += $(X86G64_ELFS)
GUESTS    += $(X86G64_ELFS)

# pg_*: paging guests (pg.c, pg_isr.S, pgcheck.c); the PAE builds of the same sources add -DPAE.
PG_LIB    := $(X86G_OBJ)/pg.o $(X86G_OBJ)/pg_isr.o $(X86G_OBJ)/pgcheck.o
PG_ELFS   := $(addprefix $(X86G)/,pg_perm32.elf pg_perm_pae.elf pg_remap.elf pg_spaces.elf pg_dirty.elf \
             pg_unsync.elf pg_unsync_pae.elf pg_ring.elf pg_ring_pae.elf pg_asid.elf pg_asid_pae.elf \
             pg_nx_pae.elf)
GUESTS    += $(PG_ELFS)

$(X86G_OBJ)/%_pae.o: $(X86G)/%.c $(X86G)/lib.h $(X86G)/pg.h $(X86G)/pgcheck.h
	@mkdir -p $(dir $@)
	$(X86G_CC) -DPAE -c -o $@ $<

$(X86G_OBJ)/pg.o $(filter-out %_pae.o,$(PG_ELFS:$(X86G)/%.elf=$(X86G_OBJ)/%.o)): $(X86G)/pg.h $(X86G)/pgcheck.h
$(X86G_OBJ)/pgcheck.o: $(X86G)/pgcheck.h

$(X86G_OBJ)/pg_perm32.o: $(X86G)/pg_perm.c $(X86G)/lib.h $(X86G)/pg.h
	@mkdir -p $(dir $@)
	$(X86G_CC) -c -o $@ $<

# Static pattern rules: a clean build must not fall back on the generic
# %.elf rule above, which links without the paging library.
PG_PAE_LIB := $(X86G_OBJ)/pg_pae.o $(X86G_OBJ)/pg_isr.o $(X86G_OBJ)/pgcheck.o
$(filter %_pae.elf,$(PG_ELFS)): $(X86G)/%_pae.elf: $(X86G_OBJ)/%_pae.o $(PG_PAE_LIB) $(X86G_LIB) $(X86G)/link.ld
	$(X86G_LD) -o $@ $(X86G_LIB) $(PG_PAE_LIB) $<

$(filter-out %_pae.elf,$(PG_ELFS)): $(X86G)/%.elf: $(X86G_OBJ)/%.o $(PG_LIB) $(X86G_LIB) $(X86G)/link.ld
	$(X86G_LD) -o $@ $(X86G_LIB) $(PG_LIB) $<
