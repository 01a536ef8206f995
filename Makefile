# vmmfs: a virtual machine monitor whose interface is a FUSE filesystem.
# make            build ./vmmfs
# make run        mount, boot the demo guest, show it
# make check      build and run every test (last line: N passed, N failed)
# make bench      vmmfs against QEMU TCG on the same guests

CC       ?= gcc
CFLAGS   ?= -O2 -g
CFLAGS   += -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -I. \
            $(shell pkg-config --cflags fuse3 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs fuse3 2>/dev/null || echo -lfuse3) -lfdt -lpthread
BUILD    ?= build
SAN      ?=

CORE_SRC := $(sort $(wildcard vmm/*.c arch/x86/*.c arch/ppc/*.c))
FS_SRC   := $(sort $(wildcard fs/*.c))
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
FS_OBJ   := $(FS_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:%.c=$(BUILD)/%)

all: deps-build vmmfs guests

vmmfs: $(FS_OBJ) $(CORE_OBJ)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -MMD -MP -c -o $@ $<

$(BUILD)/tests/unit/%: tests/unit/%.c $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

-include $(CORE_OBJ:.o=.d) $(FS_OBJ:.o=.d)

# Guest programs: each architecture's directory says how its guests are built.
GUESTS :=
-include tests/guests/x86/guests.mk
-include tests/guests/ppc/guests.mk
-include tests/bench/bench.mk
guests: $(GUESTS)

deps-build:
	@tools/deps.sh build

deps-test:
	@tools/deps.sh test

run: all
	@tools/demo.sh

unit: $(UNIT_BIN)

check: deps-test all unit
	@tools/check.sh $(UNIT_BIN)

bench: all
	@tools/deps.sh bench
	@tests/bench/run.sh

clean:
	rm -rf $(BUILD) vmmfs $(GUESTS)

.PHONY: all guests deps-build deps-test run unit check bench clean
