# make check-linux: build (or reuse) Linux 6.1 for the 440, stock and with the
# paravirtual self-test fix, then boot both under vmmfs (tests/linux440.bats).
# The recipe is guests/linux/ppc440/ (build.sh, init.c, kvm-selftest.patch);
# the kernels are cached outside the tree, keyed by the recipe's content; the
# first build takes about 6 minutes a kernel.
check-linux: all
	@scripts/linux440.sh kernel >/dev/null
	@scripts/linux440.sh kernel --pv-fix >/dev/null
	@BATS_FILES=tests/linux440.bats scripts/check.sh

# The timing table of README.md and doc/linux440.md: vmmfs against QEMU.
bench-linux: all
	@scripts/linux440.sh bench

.PHONY: check-linux bench-linux
