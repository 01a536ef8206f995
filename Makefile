# vmmfs: a virtual machine monitor whose interface is a FUSE filesystem.
# make            build ./vmmfs
# make run        mount, boot the demo guest, show it
# make check      build and run every test (last line: N passed, N failed)
# make bench      vmmfs against QEMU TCG on the same guests
# make install    vmmfs into $(DESTDIR)$(PREFIX)/bin (PREFIX=/usr/local); make uninstall

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

# (after the packages: under make -j nothing may compile while apt-get installs)
$(BUILD)/%.o: %.c | deps-build
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -MMD -MP -c -o $@ $<

$(BUILD)/tests/unit/%: tests/unit/%.c $(CORE_OBJ) | deps-build
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/lib/%: tests/lib/%.c | deps-build
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
	@scripts/fuzz.sh $(FUZZ_BIN)

-include $(CORE_OBJ:.o=.d) $(FS_OBJ:.o=.d)

# Guest programs: each architecture's directory says how its guests are built.
GUESTS :=
-include tests/guests/x86/guests.mk
-include tests/guests/ppc/guests.mk
-include tests/bench/bench.mk
-include tests/linux440.mk
# The guests' rules (in the .mk files above) need the cross compilers that
# deps-build installs; their objects cannot each wait for it, so under make
# -j a second make builds them once it is done.
guests: deps-build
	@$(MAKE) --no-print-directory guest-images
guest-images: $(GUESTS)
	@:

# One apt-get at a time: under make -j the two would fight over the dpkg lock.
deps-build:
	@scripts/deps.sh build

deps-test: deps-build
	@scripts/deps.sh test

run: all
	@tools/demo.sh

unit: $(UNIT_BIN) $(REPLAY_BIN) $(TEST_TOOLS)

check: deps-test all unit
	@scripts/check.sh $(UNIT_BIN) $(REPLAY_BIN)

# The whole suite with the daemon and the unit tests under ASan and UBSan.
ASAN_DIR = build/asan
check-asan: deps-test guests
	@$(MAKE) --no-print-directory BUILD=$(ASAN_DIR) BIN=$(ASAN_DIR)/vmmfs CFLAGS="-O1 -g" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
		$(ASAN_DIR)/vmmfs unit
	@VMMFS_BIN=$(ASAN_DIR)/vmmfs VMMFS_SANITIZER=asan BUILD=$(ASAN_DIR) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		scripts/check.sh $(patsubst $(BUILD)/%,$(ASAN_DIR)/%,$(UNIT_BIN) $(REPLAY_BIN))

# The concurrency, fault and load tests with the daemon under ThreadSanitizer:
# a data race or a lock-order inversion it reports fails the daemon's exit.
TSAN_DIR = build/tsan
TSAN_BATS ?= tests/attack.bats tests/backing.bats tests/faults.bats tests/load.bats tests/run.bats tests/isolation.bats tests/memslots.bats \
	tests/irq.bats tests/pv440.bats tests/fs_basics.bats
check-tsan: deps-test guests
	@$(MAKE) --no-print-directory BUILD=$(TSAN_DIR) BIN=$(TSAN_DIR)/vmmfs CFLAGS="-O1 -g" \
		SAN="-fsanitize=thread" $(TSAN_DIR)/vmmfs
	@VMMFS_BIN=$(TSAN_DIR)/vmmfs VMMFS_SANITIZER=tsan TSAN_OPTIONS="halt_on_error=0 exitcode=66 second_deadlock_stack=1" \
		VMMFS_SLOW=4 VMMFS_RUN_TIMEOUT=60 VMMFS_LOAD_VMS=4 VMMFS_LOAD_ROUNDS=2 VMMFS_LOAD_SECONDS=500 \
		BATS_FILE_TIMEOUT=600 \
		BATS_FILES="$(TSAN_BATS)" scripts/check.sh

# The bats suite with the daemon under valgrind (errors or leaks fail the daemon's exit).
check-valgrind: deps-test all unit
	@VMMFS_WRAP="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect" \
		VMMFS_MOUNT_TENTHS=300 VMMFS_RUN_TIMEOUT=120 VMMFS_SLOW=12 \
		VMMFS_LOAD_VMS=4 VMMFS_LOAD_ROUNDS=2 VMMFS_LOAD_SECONDS=600 scripts/check.sh

# Everything at once for SOAK_SECONDS (default 600): tests/soak.py says what and how it is judged.
soak: all $(TEST_TOOLS)
	@tests/soak.py

bench: all
	@scripts/deps.sh bench
	@tests/bench/run.sh
	@scripts/linux440.sh bench

# mount(8) runs mount.fuse3 with PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:
# /usr/bin:/sbin:/bin, and mount.fuse3 runs `vmmfs SOURCE DIR -o OPTS` from
# it: with the default PREFIX (or /usr) `mount -t fuse.vmmfs` and fstab find
# the daemon; another PREFIX needs a link in one of those directories.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MOUNT_PATH := /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/vmmfs
	$(if $(filter $(BINDIR),$(MOUNT_PATH)),,@echo "note: $(BINDIR) is not on mount(8)'s PATH: \
	link $(BINDIR)/vmmfs into /usr/local/bin for mount -t fuse.vmmfs")

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vmmfs

clean:
	rm -rf build $(BUILD) vmmfs $(GUESTS)

.PHONY: all guests guest-images deps-build deps-test run unit check check-asan check-tsan check-valgrind soak bench fuzz clean \
	install uninstall
