#!/usr/bin/env python3
"""make soak: a long run of everything at once against one daemon.

32 VMs of both architectures: half run guests in the background (a spin loop,
or a guest that calls into every byte of a nop/ret sled so that its decoded
code keeps filling up), half are driven by `run` loops; writers put random
data into a region of each VM's memory that no guest touches and keep a copy,
readers read every kind of file, a churner creates and destroys VMs with
names of every length (some with a blocked `run` when they go), and a fault
injector writes bad commands, stops runs, interrupts them with signals and
polls consoles.  At the end every VM's region is read back and compared.

    SOAK_SECONDS=60 tests/soak.py      (default 600)

Prints what was done and one summary line; exits non-zero when an operation
failed unexpectedly, a byte was lost, the daemon crashed, or its memory grew
past SOAK_RSS_MB (default 256) after the warm-up.
"""
import errno
import os
import random
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("VMMFS_BIN", os.path.join(ROOT, "vmmfs"))
SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
RSS_LIMIT_KB = int(os.environ.get("SOAK_RSS_MB", "256")) * 1024
NVMS = 32
DATA_GPA = 8 << 20		# [8 MiB, 12 MiB) of every VM: the writers' region
DATA_LEN = 4 << 20
BLOCK = 4096

X86_HELLO = os.path.join(ROOT, "tests/guests/x86/hello.elf")
# A writer without signal handlers: SIGINT ends it wherever it is (a shell
# catches it in `sh -c` and may go on into the write it was about to make)
ERRNO_WRITE = os.path.join(ROOT, os.environ.get("BUILD", "build"), "tests/lib/errno_write")
PPC_HELLO = os.path.join(ROOT, "tests/guests/ppc/hello.elf")
# mov esp,0x8000; mov ebx,0x100000; 1: call *ebx; inc ebx; cmp ebx,0x110000; jb 1b; mov ebx,0x100000; jmp 1b
SLED_LOOP = bytes.fromhex("bc00800000" "bb00001000" "ffd3" "43" "81fb00001100" "72f5" "bb00001000" "ebee")
SPIN = b"\xeb\xfe"

lock = threading.Lock()
counts = {}
errors = []
stop = threading.Event()


def count(what, n=1):
    with lock:
        counts[what] = counts.get(what, 0) + n


def error(msg):
    with lock:
        errors.append(msg)
    print("soak: error: " + msg, file=sys.stderr, flush=True)


def write(path, text, expect=(0,)):
    """One write(2); the errno (0 on success) must be one of expect."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError as e:
        if e.errno not in expect:
            error("open %s: %s" % (path, e))
        return e.errno
    try:
        os.write(fd, text.encode() if isinstance(text, str) else text)
        r = 0
    except OSError as e:
        r = e.errno
    os.close(fd)
    if r not in expect:
        error("write %r to %s: %s" % (text, path, os.strerror(r) if r else "succeeded"))
    return r


def read(path, expect=()):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        if e.errno not in expect:
            error("read %s: %s" % (path, e))
        return None


def pwrite(path, off, data):
    fd = os.open(path, os.O_WRONLY)
    try:
        return os.pwrite(fd, data, off)
    finally:
        os.close(fd)


def pread(path, off, n):
    fd = os.open(path, os.O_RDONLY)
    try:
        out = b""
        while len(out) < n:
            b = os.pread(fd, n - len(out), off + len(out))
            if not b:
                break
            out += b
        return out
    finally:
        os.close(fd)


class VM:
    def __init__(self, mnt, i):
        self.i = i
        self.arch = "ppc440" if i % 4 == 3 else "x86"
        self.name = "soak%d" % i
        self.dir = os.path.join(mnt, self.name)
        self.shadow = bytearray(DATA_LEN)
        self.lock = threading.Lock()	# the shadow and the region change together
        # even VMs run in the background, odd ones are driven by run loops
        self.background = i % 2 == 0
        self.kind = "sled" if self.background and i % 8 == 0 else "spin" if self.background else "hello"

    def setup(self, mnt):
        write(os.path.join(mnt, "ctl"), "create %s arch=%s" % (self.name, self.arch))
        write(os.path.join(self.dir, "memslots"), "slot=0 gpa=0 size=16M")
        self.load()
        pwrite(os.path.join(self.dir, "mem"), DATA_GPA, bytes(DATA_LEN))
        if self.background:
            write(os.path.join(self.dir, "ctl"), "start")

    def load(self, expect=(0,)):
        # ppc440 VMs (odd) all run hello.elf in run loops
        write(os.path.join(self.dir, "ctl"), "load " + (PPC_HELLO if self.arch == "ppc440" else X86_HELLO),
              expect=expect)
        if self.kind == "hello":
            return
        mem = os.path.join(self.dir, "mem")
        if self.kind == "sled":
            pwrite(mem, 0x100000, b"\x90\xc3" * 32768 + b"\xc3")
            pwrite(mem, 0x8000, SLED_LOOP)
        else:
            pwrite(mem, 0x8000, SPIN)
        write(os.path.join(self.dir, "regs"), "rip=0x8000")


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def writer(vm, seed):
    rnd = random.Random(seed)
    mem = os.path.join(vm.dir, "mem")
    while not stop.is_set():
        off = rnd.randrange(0, DATA_LEN // BLOCK) * BLOCK
        n = rnd.choice((1, 7, 512, BLOCK, 3 * BLOCK))
        n = min(n, DATA_LEN - off)
        data = rnd.randbytes(n)
        with vm.lock:
            try:
                if pwrite(mem, DATA_GPA + off, data) != n:
                    error("short mem write at %s+0x%x" % (vm.name, off))
                vm.shadow[off:off + n] = data
            except OSError as e:
                error("mem write %s: %s" % (vm.name, e))
        count("mem_writes")
        count("bytes_written", n)
        if rnd.random() < 0.05:
            with vm.lock:
                got = pread(mem, DATA_GPA + off, n)
                want = bytes(vm.shadow[off:off + n])
            if got != want:
                error("mem read back differs at %s+0x%x" % (vm.name, off))
            count("mem_checks")


def reader(vms, mnt, seed):
    rnd = random.Random(seed)
    files = ["regs", "stats", "ctl", "console", "memslots", "log", "cpu/0/exit", "cpu/0/stats",
             "dirty_log"]
    while not stop.is_set():
        vm = rnd.choice(vms)
        f = rnd.choice(files)
        if read(os.path.join(vm.dir, f)) is not None:
            count("reads")
        if rnd.random() < 0.2:
            try:
                os.listdir(mnt)
                count("readdirs")
            except OSError as e:
                error("ls %s: %s" % (mnt, e))
            if read(os.path.join(mnt, "info")) is not None:
                count("reads")


def runner(vm):
    """The README's loop, in Python: run until the guest exits, then load again."""
    ctl = os.path.join(vm.dir, "cpu/0/ctl")
    while not stop.is_set():
        # EINTR: the fault injector's SIGINT to a run of its own got in first; EBUSY: it still runs
        r = write(ctl, "run", expect=(0, errno.EINTR, errno.EBUSY))
        count("runs")
        e = read(os.path.join(vm.dir, "cpu/0/exit")) or b""
        # EBUSY: the fault injector's own run of this vcpu began in between
        if r == 0 and b"reason=system_event" in e:
            count("guest_exits")
            vm.load(expect=(0, errno.EBUSY))
        elif b"reason=internal_error" in e:
            error("%s: %s" % (vm.name, e.decode().strip()))
            vm.load(expect=(0, errno.EBUSY))


def churner(mnt, seed):
    rnd = random.Random(seed)
    i = 0
    while not stop.is_set():
        name = ("c%d-" % i).ljust(rnd.randint(4, 63), "x")
        i += 1
        d = os.path.join(mnt, name)
        try:
            os.mkdir(d)
        except OSError as e:
            error("mkdir %s: %s" % (name, e))
            continue
        block = rnd.random() < 0.3
        # hello.elf needs 2 MiB (it is loaded at 1 MiB)
        write(os.path.join(d, "memslots"), "slot=0 gpa=0 size=%dM" % rnd.choice((2, 16) if block else (1, 2, 16)))
        blocked = None
        if block:
            # destroyed while its run is blocked: the run ends with EINTR
            write(os.path.join(d, "ctl"), "load " + X86_HELLO)
            pwrite(os.path.join(d, "mem"), 0x8000, SPIN)
            write(os.path.join(d, "regs"), "rip=0x8000")
            blocked = subprocess.Popen(["sh", "-c", 'echo run >"$1" 2>/dev/null; true', "sh",
                                        os.path.join(d, "cpu/0/ctl")])
            for _ in range(100):
                if (read(os.path.join(d, "ctl")) or b"").startswith(b"state=running"):
                    break
                time.sleep(0.02)
        if rnd.random() < 0.5:
            write(os.path.join(mnt, "ctl"), "destroy " + name)
        else:
            try:
                os.rmdir(d)
            except OSError as e:
                error("rmdir %s: %s" % (name, e))
        if blocked:
            try:
                blocked.wait(timeout=20)
            except subprocess.TimeoutExpired:
                error("a run blocked on the destroyed VM %s did not end" % name)
                blocked.kill()
        count("churned_vms")


def faults(vms, mnt, seed):
    rnd = random.Random(seed)
    bad = [("memslots", "slot=99 gpa=0 size=4K", errno.ERANGE),
           ("memslots", "slot=1 gpa=0x8000000000000000 size=4K", errno.ERANGE),
           ("memslots", "slot=1 gpa=0 size=4K", errno.EEXIST),
           ("ctl", "frobnicate", errno.EINVAL),
           ("regs", "rip=", errno.EINVAL),
           ("cpu/0/exit", "data=", errno.EINVAL)]
    while not stop.is_set():
        vm = rnd.choice(vms)
        k = rnd.random()
        if k < 0.4:
            f, text, want = rnd.choice(bad)
            write(os.path.join(vm.dir, f), text, expect=(want, errno.EBUSY))
            count("refusals_injected")
        elif k < 0.6 and not vm.background:
            # a stop from another shell: the run loop sees reason=intr and goes on
            write(os.path.join(vm.dir, "ctl"), "stop")
            count("stops_injected")
        elif k < 0.7:
            # Ctrl-C on a blocked run (EBUSY when the vcpu runs already)
            p = subprocess.Popen([ERRNO_WRITE, os.path.join(vm.dir, "cpu/0/ctl"), "run"],
                                 stdout=subprocess.DEVNULL)
            # not before the exec: Python's handler in the forked child would swallow it
            for _ in range(200):
                try:
                    if os.path.realpath("/proc/%d/exe" % p.pid) != os.path.realpath(sys.executable):
                        break
                except OSError:
                    break
                time.sleep(0.01)
            time.sleep(rnd.random() * 0.02)
            p.send_signal(signal.SIGINT)
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                error("a run interrupted by SIGINT did not end (%s)" % vm.name)
                p.kill()
            count("signals_injected")
        elif k < 0.8:
            # a console polled in a loop
            try:
                with open(os.path.join(vm.dir, "console"), "rb") as f:
                    p = select.poll()
                    p.register(f, select.POLLIN)
                    for _ in range(50):
                        p.poll(1)
                count("polls", 50)
            except OSError as e:
                error("poll %s: %s" % (vm.name, e))
        else:
            # a burst of writes beyond the console's input queue
            write(os.path.join(vm.dir, "console"), b"x" * 512, expect=(0, errno.EAGAIN))
            count("console_writes")
        time.sleep(0.005)


def main():
    mnt = tempfile.mkdtemp(prefix="vmmfs-soak.")
    log = tempfile.TemporaryFile()
    daemon = subprocess.Popen([BIN, mnt, "-f"], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(100):
        if os.path.ismount(mnt):
            break
        time.sleep(0.05)
    else:
        print("soak: vmmfs did not mount", file=sys.stderr)
        daemon.kill()
        return 1
    vms = [VM(mnt, i) for i in range(NVMS)]
    crashed = False
    try:
        for vm in vms:
            vm.setup(mnt)
        rss0 = rss_kb(daemon.pid)
        threads = [threading.Thread(target=writer, args=(vm, i)) for i, vm in enumerate(vms)]
        threads += [threading.Thread(target=reader, args=(vms, mnt, 100 + i)) for i in range(4)]
        threads += [threading.Thread(target=runner, args=(vm,)) for vm in vms if not vm.background]
        threads += [threading.Thread(target=churner, args=(mnt, 200))]
        threads += [threading.Thread(target=faults, args=(vms, mnt, 300))]
        for t in threads:
            t.daemon = True
            t.start()
        start = time.time()
        warm = start + min(30, SECONDS / 5)
        rss_warm = rss_max = rss0
        last = start
        while time.time() < start + SECONDS:
            time.sleep(1)
            if daemon.poll() is not None:
                crashed = True
                error("the daemon died (status %s)" % daemon.returncode)
                break
            r = rss_kb(daemon.pid) or 0
            rss_max = max(rss_max, r)
            if time.time() < warm:
                rss_warm = r
            if time.time() - last >= 60:
                last = time.time()
                print("soak: %ds, rss %d kB, %s" % (last - start, r, counts), flush=True)
        stop.set()
        # every run loop must end: stop their vcpus until they do
        for _ in range(200):
            for vm in vms:
                if not vm.background:
                    write(os.path.join(vm.dir, "ctl"), "stop", expect=(0, errno.ENOENT))
            alive = [t for t in threads if t.is_alive()]
            if not alive:
                break
            time.sleep(0.1)
        else:
            error("%d workers did not end" % len(alive))
        rss_end = rss_kb(daemon.pid) if not crashed else None
        lost = 0
        if not crashed:
            for vm in vms:
                got = pread(os.path.join(vm.dir, "mem"), DATA_GPA, DATA_LEN)
                if zlib.crc32(got) != zlib.crc32(vm.shadow):
                    lost += sum(1 for a, b in zip(got, vm.shadow) if a != b) + DATA_LEN - len(got)
            count("bytes_checked", NVMS * DATA_LEN)
    finally:
        subprocess.run(["fusermount3", "-u", mnt], stderr=subprocess.DEVNULL)
        try:
            status = daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            status = daemon.wait()
            error("the daemon did not end after the unmount")
        subprocess.run(["fusermount3", "-uz", mnt], stderr=subprocess.DEVNULL)
        try:
            os.rmdir(mnt)
        except OSError:
            pass
    if status != 0 and not crashed:
        crashed = True
        error("the daemon exited with status %d" % status)
        log.seek(0)
        sys.stderr.write(log.read().decode(errors="replace")[-4000:])
    ops = sum(v for k, v in counts.items() if not k.startswith("bytes"))
    growth = (rss_end - rss_warm) if rss_end is not None else None
    for k in sorted(counts):
        print("  %-20s %d" % (k, counts[k]))
    print("soak: %d s, %d VMs, %d operations, %d errors, lost bytes %d of %d checked, crashes %d, "
          "rss %d kB after setup, %d kB after warm-up, %d kB max, %s kB at the end (growth %s kB)"
          % (SECONDS, NVMS, ops, len(errors), lost, counts.get("bytes_checked", 0), int(crashed),
             rss0, rss_warm, rss_max, rss_end, growth))
    ok = not errors and not lost and not crashed and growth is not None and growth < RSS_LIMIT_KB
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
