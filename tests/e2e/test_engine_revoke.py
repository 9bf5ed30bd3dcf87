"""Revoke records as Linux 4.10's __ext4_forget() writes them (issue 10,
deviation 11): "Never use the revoke function if we are doing full data
journaling" -- under data=journal a freed block is only forgotten, never
revoked; under data=ordered a freed journaled metadata block is revoked.
revoke-dir-reuse.wl frees a journaled directory block and reuses it as
file data; under data=journal that data is journaled too, so replay order
alone keeps the newest copy, and every state still keeps the fsynced
data."""
import struct

import pytest

import fplog_py
from cli_common import REPO, fp

JBD_MAGIC = 0xC03B3998
JBD_REVOKE = 5


def _revoke_blocks(log):
    n = 0
    for e in fplog_py.parse(log).entries:
        if e.type != fplog_py.WRITE or not e.payload:
            continue
        for off in range(0, len(e.payload) - 8, 4096):
            magic, kind = struct.unpack_from(">II", e.payload, off)
            n += magic == JBD_MAGIC and kind == JBD_REVOKE
    return n


@pytest.mark.parametrize("mount,revokes", [("ordered", True),
                                           ("journal", False)])
def test_revoke_records_follow_ext4_forget(tmp_path, mount, revokes):
    log = tmp_path / f"{mount}.fpl"
    r = fp("run", REPO / "workloads" / "revoke-dir-reuse.wl",
           "--start-nbdkit", "--log", log, "--mount", f"data={mount}",
           "--persist", "fsync")
    assert r.returncode == 0, r.stderr
    assert (_revoke_blocks(log) > 0) == revokes
    r = fp("check", log, "-q", "--states", "flush,write,epoch",
           cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
