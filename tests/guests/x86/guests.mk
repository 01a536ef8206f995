# x86 guests: multiboot ELF32 images built with the native tools
# (gcc -m32 for compiling only: no multilib or libgcc is needed).
X86G      := tests/guests/x86
X86G_OBJ  := $(BUILD)/$(X86G)
X86G_CC   := $(CC) -m32 -march=i686 -mgeneral-regs-only -ffreestanding -fno-pic -fno-pie \
             -fno-stack-protector -fcf-protection=none -fno-asynchronous-unwind-tables \
             -nostdlib -O2 -Wall -Wextra -Werror
X86G_LD   := ld -m elf_i386 -nostdlib -no-pie -z noexecstack --no-warn-rwx-segments -T $(X86G)/link.ld
X86G_LIB  := $(X86G_OBJ)/boot.o $(X86G_OBJ)/lib.o

X86G_ELFS := $(addprefix $(X86G)/,hello.elf demo.elf io.elf mmio.elf dirty.elf events.elf \
             compute.elf realmode.elf)
GUESTS    += $(X86G_ELFS)

$(X86G_OBJ)/%.o: $(X86G)/%.c $(X86G)/lib.h
	@mkdir -p $(dir $@)
	$(X86G_CC) -c -o $@ $<

$(X86G_OBJ)/%.o: $(X86G)/%.S
	@mkdir -p $(dir $@)
	$(X86G_CC) -c -o $@ $<

$(X86G)/%.elf: $(X86G_OBJ)/%.o $(X86G_LIB) $(X86G)/link.ld
	$(X86G_LD) -o $@ $(X86G_LIB) $<

$(X86G)/events.elf: $(X86G_OBJ)/events.o $(X86G_OBJ)/isr.o $(X86G_LIB) $(X86G)/link.ld
	$(X86G_LD) -o $@ $(X86G_LIB) $(X86G_OBJ)/events.o $(X86G_OBJ)/isr.o

$(X86G)/compute.elf: $(X86G_OBJ)/compute_main.o $(X86G_OBJ)/compute.o $(X86G_LIB) $(X86G)/link.ld
	$(X86G_LD) -o $@ $(X86G_LIB) $(X86G_OBJ)/compute_main.o $(X86G_OBJ)/compute.o

$(X86G)/realmode.elf: $(X86G_OBJ)/realmode.o $(X86G)/link.ld
	$(X86G_LD) -n -o $@ $<

.PRECIOUS: $(X86G_OBJ)/%.o
