"""The JSON reports against their published schemas (docs/REPORT-SCHEMA.md,
docs/schema/*.json): `check --json` for the engine (with violations, drop
and tear recipes), for a log without oracle marks (fsck only) and for the
kernel's ext4 (facts and inspect commands), and `matrix`'s matrix.json as
the main job writes it (with the ext4 column and the agreement table).
A schema that accepted anything could not fail: the last test shows each
one rejects a report with a field missing, renamed or of the wrong type."""
import copy
import json
import os
from pathlib import Path

import jsonschema
import pytest

from cli_common import REPO, fp

SCHEMAS = REPO / "docs" / "schema"


def _validator(name):
    schema = json.loads((SCHEMAS / name).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _errors(v, doc):
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in v.iter_errors(doc)]


def _record(tmp_path, wl, *args, name="r"):
    log = tmp_path / f"{name}.fpl"
    r = fp("run", REPO / "workloads" / f"{wl}.wl", "--start-nbdkit",
           "--log", log, *args, timeout=600)
    assert r.returncode == 0, r.stderr
    return log


def _check_json(log, *args):
    out = log.parent / (log.stem + ".json")
    r = fp("check", log, "-q", "--json", out, *args, cwd=log.parent,
           timeout=900)
    assert r.returncode in (0, 1), r.stdout + r.stderr
    return json.loads(out.read_text())


def test_check_report_engine_with_violations(tmp_path):
    log = _record(tmp_path, "fsync-seed", "--mount", "nobarrier")
    j = _check_json(log, "--states", "flush,write,epoch,torn")
    assert j["violations"] > 0
    kinds = {s["recipe"]["kind"] for s in j["results"]}
    assert {"epoch", "torn"} <= kinds, kinds
    assert _errors(_validator("check-report-v1.json"), j) == []


def test_check_report_fsck_only(tmp_path):
    # Through dm-log-writes and back the oracle's long `run` mark does not
    # survive: a plain disk recording, checked with fsck only.
    log = _record(tmp_path, "append-fsync")
    dm, back = tmp_path / "r.dmlw", tmp_path / "back.fpl"
    r = fp("log", "export", log, "--format", "dm-log-writes", "-o", dm)
    assert r.returncode == 0, r.stderr
    r = fp("log", "import", dm, "--format", "dm-log-writes", "-o", back,
           "--size", str(64 << 20))
    assert r.returncode == 0, r.stderr
    j = _check_json(back, "--states", "flush")
    assert j["fsck_only"] is True
    assert _errors(_validator("check-report-v1.json"), j) == []


def test_check_report_kernel_ext4(tmp_path):
    r = fp("probe", "ext4", timeout=60)
    if r.returncode != 0:
        if os.geteuid() == 0 and Path("/dev/fuse").exists():
            pytest.fail(f"root with /dev/fuse, yet: {r.stdout}")
        pytest.skip(r.stdout.strip())
    log = _record(tmp_path, "append-fsync", "--fs", "ext4", "--mount",
                  "nobarrier")
    j = _check_json(log, "--states", "flush")
    assert j["fs"] == "ext4" and "kernel" in j
    assert _errors(_validator("check-report-v1.json"), j) == []


def test_schemas_reject_broken_reports(tmp_path):
    log = _record(tmp_path, "fsync-seed", "--mount", "nobarrier")
    good = _check_json(log, "--states", "flush,write,epoch")
    assert good["results"], "need at least one state with findings"
    v = _validator("check-report-v1.json")
    assert _errors(v, good) == []
    broken = []
    b = copy.deepcopy(good); del b["properties"]["dirent"]; broken.append(b)
    b = copy.deepcopy(good); b["version"] = 2; broken.append(b)
    b = copy.deepcopy(good); b["states"]["checked"] = "24"; broken.append(b)
    b = copy.deepcopy(good); b["results"][0]["recipe"]["kind"] = "crash"
    broken.append(b)
    b = copy.deepcopy(good); b["results"][0]["findings"][0]["prop"] = \
        b["results"][0]["findings"][0].pop("property"); broken.append(b)
    b = copy.deepcopy(good); b["surprise"] = 1; broken.append(b)
    for b in broken:
        assert _errors(v, b), json.dumps(b)[:300]


def test_matrix_report_as_the_main_job_writes_it(tmp_path):
    # The main job's matrix (scripts/main-job.sh) on a few workloads: every
    # mount column, the persist choices, and -- where the machine can --
    # the ext4 column with its agreement table; then the same through
    # --shard and merge, which must give a report of the same shape.
    r = fp("probe", "ext4", timeout=60)
    fs = (["--fs", "engine,ext4", "--fs-mount", "ordered+barrier",
           "--fs-persist", "fsync,fdatasync", "--fs-states", "flush"]
          if r.returncode == 0 else [])
    wl = str(REPO / "workloads" / "a*.wl")
    out = tmp_path / "m"
    r = fp("matrix", "--jobs", "2", "--out", out, "--workloads", wl, *fs,
           timeout=1800)
    assert r.returncode == 0, r.stdout + r.stderr
    j = json.loads((out / "matrix.json").read_text())
    v = _validator("matrix-report-v1.json")
    assert _errors(v, j) == []
    if fs:
        assert "ext4" in j["agreement_summary"]
    for k, b in (("cells", None), ("agreement_summary", None)):
        bad = copy.deepcopy(j)
        if k == "cells":
            bad["cells"][0]["properties"]["data"]["verdict"] = "VIOLATED"
        else:
            bad["agreement_summary"] = {"ext4": {"verdicts": -1}}
        assert _errors(v, bad)
