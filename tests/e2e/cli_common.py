"""Shared helpers for the CLI tests (test_cli_*.py): find and run the
flushpoint binary.  The build directory comes from FP_BUILD_DIR (default
<repo>/build)."""
import os
import pathlib
import subprocess

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("FP_BUILD_DIR", REPO / "build"))
FLUSHPOINT = BUILD / "flushpoint"


def fp(*args, cwd=None, timeout=300):
    """Run flushpoint with args; returns the CompletedProcess (text)."""
    assert FLUSHPOINT.exists(), f"{FLUSHPOINT} is not built (set FP_BUILD_DIR)"
    return subprocess.run([str(FLUSHPOINT), *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=timeout)
