# make check-linux: build (or reuse) Linux 6.1 for the 440, stock and with the
# paravirtual self-test fix, then boot both under vmmfs (tests/linux440.bats).
# The kernels are cached outside the tree, keyed by the recipe's content
# (../shared/linux440/build.sh); the first build takes about 6 minutes a kernel.
check-linux: all
	@tools/linux440.sh kernel >/dev/null
	@tools/linux440.sh kernel --pv-fix >/dev/null
	@BATS_FILES=tests/linux440.bats tools/check.sh

# The timing table of README.md and doc/linux440.md: vmmfs against QEMU.
bench-linux: all
	@tools/linux440.sh bench

.PHONY: check-linux bench-linux
