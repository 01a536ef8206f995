# ppc440 guests: big-endian ELF32, linked at 0, runnable under vmmfs and
# under qemu-system-ppc -M bamboo -kernel.
PPC_CC      := powerpc-linux-gnu-gcc
PPC_CFLAGS  := -mcpu=440 -msoft-float -ffreestanding -nostdlib -O2 -mbig-endian \
               -fno-pic -mno-sdata -Wall -Wextra -Werror -Itests/guests/ppc
PPC_LDFLAGS := -nostdlib -static -Wl,-T,tests/guests/ppc/link.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments
PPC_LIBS    := -lgcc
PPC_DIR     := tests/guests/ppc
PPC_RT      := $(PPC_DIR)/crt0.S $(PPC_DIR)/lib.c

PPC_GUESTS  := $(PPC_DIR)/hello.elf $(PPC_DIR)/compute.elf $(PPC_DIR)/isa.elf \
               $(PPC_DIR)/irq.elf $(PPC_DIR)/tlb.elf $(PPC_DIR)/fpu.elf \
               $(PPC_DIR)/tlbivax.elf $(PPC_DIR)/extirq.elf $(PPC_DIR)/pv.elf \
               $(PPC_DIR)/debug.elf $(PPC_DIR)/timers.elf $(PPC_DIR)/inject.elf \
               $(PPC_DIR)/bigpage.elf $(PPC_DIR)/reset.elf
GUESTS      += $(PPC_GUESTS)

$(PPC_DIR)/hello.elf: $(PPC_DIR)/hello.S $(PPC_DIR)/link.ld
	$(PPC_CC) $(PPC_CFLAGS) -mregnames $(PPC_LDFLAGS) -o $@ $<

$(PPC_DIR)/fpu.elf: $(PPC_DIR)/fpu.c $(PPC_RT) $(PPC_DIR)/lib.h $(PPC_DIR)/link.ld
	$(PPC_CC) $(filter-out -msoft-float,$(PPC_CFLAGS)) -mhard-float $(PPC_LDFLAGS) -o $@ \
		$(PPC_RT) $< $(PPC_LIBS)

$(PPC_DIR)/pv.elf: $(PPC_DIR)/pv.c $(PPC_DIR)/pvloop.S $(PPC_RT) $(PPC_DIR)/lib.h $(PPC_DIR)/link.ld
	$(PPC_CC) $(PPC_CFLAGS) $(PPC_LDFLAGS) -o $@ $(PPC_RT) $< $(PPC_DIR)/pvloop.S $(PPC_LIBS)

$(PPC_DIR)/%.elf: $(PPC_DIR)/%.c $(PPC_RT) $(PPC_DIR)/lib.h $(PPC_DIR)/link.ld
	$(PPC_CC) $(PPC_CFLAGS) $(PPC_LDFLAGS) -o $@ $(PPC_RT) $< $(PPC_LIBS)

# The compute guest's C, built for the host: its output is what the guest must print.
$(PPC_DIR)/compute.host: $(PPC_DIR)/compute.c
	$(CC) -O2 -DHOST -o $@ $<
GUESTS      += $(PPC_DIR)/compute.host
