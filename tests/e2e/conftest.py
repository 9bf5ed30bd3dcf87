"""Shared fixtures for flushpoint's end-to-end tests.

Every test talks to a real nbdkit over a Unix socket in its own tmp_path,
with python3-libnbd clients.  Run with Debian's pytest:

    FP_BUILD_DIR=/path/to/build /usr/bin/python3 -m pytest tests/e2e

Environment:
    FP_BUILD_DIR   build directory holding nbdkit-flushpoint-plugin.so and
                   flushpoint (default: <repo>/build)
    FP_SANITIZE    1/0 forces the sanitizer handling on/off; by default it
                   is on when the build dir's CMakeCache.txt says
                   FP_SANITIZE:BOOL=ON.  Then nbdkit runs with libasan in
                   LD_PRELOAD (needed to dlopen an ASan plugin; see
                   _nbdkit_env for why libp11-kit is preloaded too) and
                   ASAN_OPTIONS=detect_leaks=0 (nbdkit itself is not ours).
    FP_SEED        seed for the randomised tests (default: a fresh one,
                   printed, so a failure can be replayed)

Fixtures:
    fp_build           session: paths and environment (see FpBuild)
    nbdkit_server      factory: start(plugin_path_or_name, *args) -> Nbdkit
    flushpoint_server  factory: start(size="1M", log=None, **params) -> Nbdkit
                       running our plugin; .log_path is the write log
    seed               the random seed for this test (printed)

Helpers:
    run_nbdkit_expect_failure(build, args, tmp_path) -> (returncode, stderr)
    read_control(h) -> dict of the control export's counters line
    fault_command(c, text): arm/clear faults through the control export

Teardown closes every client first, then sends SIGTERM (SIGKILL after a
timeout), and fails the test if nbdkit exited non-zero or a sanitizer
reported anything, unless the test killed the server on purpose.
"""

import os
import random
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import nbd

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0     # ASan builds start slowly on a busy machine
STOP_TIMEOUT = 20.0
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "runtime error:", "SUMMARY: UndefinedBehaviorSanitizer")


@dataclass
class FpBuild:
    dir: Path
    plugin: Path
    cli: Path            # may not exist yet: check cli_exists
    sanitize: bool
    env: dict = field(default_factory=dict, repr=False)  # for nbdkit
    tool_env: dict = field(default_factory=dict, repr=False)  # nbdinfo, ...

    @property
    def cli_exists(self) -> bool:
        return self.cli.is_file() and os.access(self.cli, os.X_OK)


def _sanitize_enabled(build_dir: Path) -> bool:
    forced = os.environ.get("FP_SANITIZE")
    if forced is not None and forced != "":
        return forced.lower() in ("1", "on", "true", "yes")
    cache = build_dir / "CMakeCache.txt"
    if cache.is_file():
        for line in cache.read_text(errors="replace").splitlines():
            if line.startswith("FP_SANITIZE:"):
                return line.split("=", 1)[1].strip().upper() in ("ON", "1", "TRUE", "YES")
    return False


def _nbdkit_env(sanitize: bool) -> dict:
    env = dict(os.environ)
    env["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin:" + env.get("PATH", "")
    env.pop("LD_PRELOAD", None)
    if sanitize:
        lib = subprocess.run(["gcc", "-print-file-name=libasan.so"],
                             capture_output=True, text=True,
                             check=True).stdout.strip()
        # libp11-kit (pulled in by nbdkit through gnutls) calls newlocale()
        # in its constructor, before libasan's constructor has run; the
        # first malloc inside newlocale() then initialises ASan, whose
        # dlerror() call re-enters glibc's locale lock and leaves it broken,
        # so nbdkit hangs in exit() once anything called strerror().
        # Preloading libp11-kit ahead of libasan makes ASan initialise
        # first; verify_asan_link_order=0 allows that order.
        preload = _nbdkit_libs("libp11-kit.so") + [os.path.realpath(lib)]
        env["LD_PRELOAD"] = " ".join(preload)
        env["ASAN_OPTIONS"] = ("detect_leaks=0:abort_on_error=0:"
                               "verify_asan_link_order=0")
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    return env


def _nbdkit_libs(prefix: str) -> list:
    """Paths of the shared libraries nbdkit links whose name starts with
    prefix (from ldd)."""
    nbdkit = shutil.which("nbdkit", path="/usr/sbin:/usr/bin:/sbin:/bin")
    if not nbdkit:
        return []
    out = subprocess.run(["ldd", nbdkit], capture_output=True, text=True)
    libs = []
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].startswith(prefix) and parts[1] == "=>":
            libs.append(parts[2])
    return libs


def make_build() -> FpBuild:
    d = Path(os.environ.get("FP_BUILD_DIR") or REPO / "build").resolve()
    sanitize = _sanitize_enabled(d)
    return FpBuild(dir=d, plugin=d / "nbdkit-flushpoint-plugin.so",
                   cli=d / "flushpoint", sanitize=sanitize,
                   env=_nbdkit_env(sanitize), tool_env=_nbdkit_env(False))


@pytest.fixture(scope="session")
def fp_build() -> FpBuild:
    b = make_build()
    if not b.plugin.is_file():
        pytest.fail(f"{b.plugin} is missing: build the project "
                    f"(cmake -B build && cmake --build build) or set FP_BUILD_DIR")
    return b


@pytest.fixture
def seed(request) -> int:
    s = int(os.environ.get("FP_SEED") or random.randrange(1 << 32))
    print(f"\n{request.node.name}: seed={s} (rerun with FP_SEED={s})")
    return s


class NbdkitStartError(Exception):
    """nbdkit exited before it was ready."""


class Nbdkit:
    """One nbdkit process serving on a Unix socket in workdir."""

    def __init__(self, build: FpBuild, workdir: Path, plugin, args,
                 nbdkit_args=()):
        self.build = build
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.sock = self.workdir / "nbd.sock"
        self.pidfile = self.workdir / "nbdkit.pid"
        self.stderr_path = self.workdir / "nbdkit.stderr"
        self.argv = ["nbdkit", "-f", "--exit-with-parent",
                     "-U", str(self.sock), "-P", str(self.pidfile),
                     *nbdkit_args, str(plugin), *[str(a) for a in args]]
        self.clients = []
        self.proc = None
        self.killed = False     # set when a test kills the server on purpose
        self.log_path = None

    # -- life cycle --

    def start(self):
        for p in (self.sock, self.pidfile):
            if p.exists():
                p.unlink()
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                         stdout=err, stderr=err,
                                         env=self.build.env)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.pidfile.exists() and self.pidfile.read_text().strip():
                if self.build.sanitize:
                    self._assert_sanitizer_loaded()
                return self
            if self.proc.poll() is not None:
                raise NbdkitStartError(
                    f"nbdkit exited with {self.proc.returncode} at startup:\n"
                    f"{self.stderr}")
            time.sleep(0.02)
        self.proc.kill()
        self.proc.wait()
        raise AssertionError(f"nbdkit neither started nor exited in "
                             f"{START_TIMEOUT}s:\n{self.stderr}")

    def _assert_sanitizer_loaded(self):
        # A sanitizer run that does not sanitize would pass vacuously.
        maps = Path(f"/proc/{self.proc.pid}/maps").read_text()
        assert "libasan" in maps, "FP_SANITIZE run but nbdkit has no libasan"

    def close_clients(self):
        for h in self.clients:
            try:
                h.shutdown()
            except nbd.Error:
                pass
        self.clients.clear()

    def stop(self) -> int:
        """Close clients, SIGTERM (SIGKILL after a timeout); return code."""
        self.close_clients()
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"nbdkit ignored SIGTERM for {STOP_TIMEOUT}s")

    def kill9(self) -> None:
        """SIGKILL now: what a power cut does to the recorder."""
        self.killed = True
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.clients.clear()

    # -- clients --

    def uri(self, export: str = "") -> str:
        return f"nbd+unix:///{export}?socket={self.sock}"

    def connect(self, export: str = "") -> nbd.NBD:
        h = nbd.NBD()
        h.set_export_name(export)
        h.connect_unix(str(self.sock))
        self.clients.append(h)
        return h

    def control(self) -> nbd.NBD:
        return self.connect("control")

    @property
    def stderr(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def sanitizer_report(self) -> str:
        text = self.stderr
        return text if any(m in text for m in SANITIZER_MARKERS) else ""


def _finish(servers):
    problems = []
    for s in servers:
        if s.proc is None:
            continue
        rc = s.stop()
        if s.sanitizer_report():
            problems.append(f"sanitizer report from {s.argv}:\n{s.stderr}")
        elif not s.killed and rc != 0:
            problems.append(f"nbdkit exited with {rc}:\n{s.stderr}")
    if problems:
        pytest.fail("\n".join(problems))


@pytest.fixture
def nbdkit_server(fp_build, tmp_path):
    """Factory: start(plugin, *args, nbdkit_args=()) -> running Nbdkit.
    plugin is a path or an nbdkit plugin name such as "memory"."""
    servers = []

    def start(plugin, *args, nbdkit_args=(), workdir=None):
        wd = workdir or tmp_path / f"nbdkit{len(servers)}"
        s = Nbdkit(fp_build, wd, plugin, args, nbdkit_args)
        servers.append(s)
        return s.start()

    yield start
    _finish(servers)


@pytest.fixture
def flushpoint_server(fp_build, tmp_path):
    """Factory: start(size="1M", log=None, **params) -> running Nbdkit with
    the flushpoint plugin; log defaults to <tmp_path>/runN.fpl and is
    available as .log_path."""
    servers = []

    def start(size="1M", log=None, nbdkit_args=(), **params):
        n = len(servers)
        log = Path(log) if log else tmp_path / f"run{n}.fpl"
        args = [f"size={size}", f"log={log}"]
        args += [f"{k}={v}" for k, v in params.items()]
        s = Nbdkit(fp_build, tmp_path / f"flushpoint{n}", fp_build.plugin,
                   args, nbdkit_args)
        s.log_path = log
        servers.append(s)
        return s.start()

    yield start
    _finish(servers)


def run_nbdkit_expect_failure(build: FpBuild, args, tmp_path: Path,
                              plugin=None):
    """Start nbdkit with args that should be refused; return
    (returncode, stderr).  Fails the test if nbdkit comes up instead."""
    s = Nbdkit(build, tmp_path / "bad", plugin or build.plugin, args)
    try:
        s.start()
    except NbdkitStartError:
        text = s.stderr
        assert not any(m in text for m in SANITIZER_MARKERS), text
        return s.proc.returncode, text
    s.stop()
    pytest.fail(f"nbdkit started although it should have refused {args}")


def read_control(h: nbd.NBD) -> dict:
    """Read the control export's counters line (see the plugin's man page)
    into a dict: {"version": 1, "uuid": "...", "next_seq": N, ...}."""
    block = bytes(h.pread(4096, 0))
    text, nul, rest = block.partition(b"\0")
    assert nul and not rest.strip(b"\0"), "control block is not NUL-padded"
    line = text.decode("ascii")
    assert line.endswith("\n") and line.count("\n") == 1, line
    words = line.split()
    assert words[0] == "flushpoint-control", line
    out = {"version": int(words[1])}
    for w in words[2:]:
        k, v = w.split("=", 1)
        out[k] = int(v) if v.isdigit() and k != "uuid" else v
    return out


CONTROL_CMD = 512 * 1024    # control writes from here on are fault commands


def fault_command(c: nbd.NBD, text: str) -> None:
    """Send fault specs (the plugin's man page) through the control export."""
    c.pwrite(text.encode(), CONTROL_CMD)
