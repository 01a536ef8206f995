# vmmfs: a virtual machine monitor whose interface is a FUSE filesystem.
# make            build ./vmmfs
# make run        mount, boot the demo guest, show it
# make check      build and run every test (last line: N passed, N failed)
# make bench      vmmfs against QEMU TCG on the same guests

CC       ?= gcc
CFLAGS   ?= -O2 -g
ALL_CFLAGS = $(CFLAGS) -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -I. \
            $(shell pkg-config --cflags fuse3 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs fuse3 2>/dev/null || echo -lfuse3) -lfdt
BUILD    ?= build
SAN      ?=

CORE_SRC := $(sort $(wildcard vmm/*.c arch/x86/*.c arch/ppc/*.c))
FS_SRC   := $(sort $(wildcard fs/*.c))
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
FS_OBJ   := $(FS_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:%.c=$(BUILD)/%)
FSLIB_OBJ := $(filter-out $(BUILD)/fs/main.o,$(FS_OBJ))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/tests/unit/replay_%)
# helpers the bats tests run (tests/lib/vmmfs.bash finds them here)
TEST_TOOLS := $(BUILD)/tests/lib/errno_write

all: deps-build guests

# V=1 shows the commands
Q := $(if $(V),,@)

# The daemon: ./vmmfs, or $(BUILD)/vmmfs for the sanitizer build
BIN ?= vmmfs
all: $(BIN)
$(BIN): $(FS_OBJ) $(CORE_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -MMD -MP -c -o $@ $<

$(BUILD)/tests/unit/%: tests/unit/%.c $(CORE_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/lib/%: tests/lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $<

# Fuzz targets replayed over their kept inputs (tests/fuzz/regress/NAME/) by make check.
$(BUILD)/tests/unit/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(FSLIB_OBJ) $(CORE_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -DREGRESS_DIR='"tests/fuzz/regress/fuzz_$*"' -o $@ $^ $(LDLIBS)

# libFuzzer builds, under ASan and UBSan: make fuzz [FUZZ_SECONDS=60]
FUZZ_CFLAGS = -O1 -g -std=gnu11 -D_GNU_SOURCE -I. $(shell pkg-config --cflags fuse3 2>/dev/null) \
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
$(BUILD)/fuzz/%: tests/fuzz/%.c $(CORE_SRC) $(filter-out fs/main.c,$(FS_SRC))
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(LDLIBS)

fuzz: deps-build $(FUZZ_BIN)
	@tools/fuzz.sh $(FUZZ_BIN)

-include $(CORE_OBJ:.o=.d) $(FS_OBJ:.o=.d)

# Guest programs: each architecture's directory says how its guests are built.
GUESTS :=
-include tests/guests/x86/guests.mk
-include tests/guests/ppc/guests.mk
-include tests/bench/bench.mk
-include tests/linux440.mk
guests: $(GUESTS)

deps-build:
	@tools/deps.sh build

deps-test:
	@tools/deps.sh test

run: all
	@tools/demo.sh

unit: $(UNIT_BIN) $(REPLAY_BIN) $(TEST_TOOLS)

check: deps-test all unit
	@tools/check.sh $(UNIT_BIN) $(REPLAY_BIN)

# The whole suite with the daemon and the unit tests under ASan and UBSan.
ASAN_DIR = build/asan
check-asan: deps-test guests
	@$(MAKE) --no-print-directory BUILD=$(ASAN_DIR) BIN=$(ASAN_DIR)/vmmfs CFLAGS="-O1 -g" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
		$(ASAN_DIR)/vmmfs unit
	@VMMFS_BIN=$(ASAN_DIR)/vmmfs BUILD=$(ASAN_DIR) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		tools/check.sh $(patsubst $(BUILD)/%,$(ASAN_DIR)/%,$(UNIT_BIN) $(REPLAY_BIN))

# The bats suite with the daemon under valgrind (errors or leaks fail the daemon's exit).
check-valgrind: deps-test all unit
	@VMMFS_WRAP="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect" \
		VMMFS_MOUNT_TENTHS=300 VMMFS_RUN_TIMEOUT=120 VMMFS_SLOW=12 \
		VMMFS_LOAD_VMS=4 VMMFS_LOAD_ROUNDS=2 VMMFS_LOAD_SECONDS=600 tools/check.sh

# Everything at once for SOAK_SECONDS (default 600): tests/soak.py says what and how it is judged.
soak: all $(TEST_TOOLS)
	@tests/soak.py

bench: all
	@tools/deps.sh bench
	@tests/bench/run.sh
	@tools/linux440.sh bench

clean:
	rm -rf build $(BUILD) vmmfs $(GUESTS)

.PHONY: all guests deps-build deps-test run unit check check-asan check-valgrind soak bench fuzz clean
