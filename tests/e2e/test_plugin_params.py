"""The plugin's parameters: each bad one is refused at startup with its own
message and a non-zero exit; --help and --dump-plugin list the keys."""

import subprocess

import pytest

from conftest import run_nbdkit_expect_failure

KEYS = ["size", "log", "log-overwrite", "durable", "base", "sector", "uuid",
        "deterministic", "fault"]


def _refused(fp_build, tmp_path, args):
    rc, err = run_nbdkit_expect_failure(fp_build, args, tmp_path)
    assert rc != 0, err
    return err


def test_plugin_missing_size_is_refused(fp_build, tmp_path):
    err = _refused(fp_build, tmp_path, [f"log={tmp_path}/a.fpl"])
    assert "missing required parameter size=SIZE" in err


@pytest.mark.parametrize("value", ["banana", "12Q", "-5"])
def test_plugin_unparseable_size_is_refused(fp_build, tmp_path, value):
    err = _refused(fp_build, tmp_path, [f"size={value}", f"log={tmp_path}/a.fpl"])
    assert f"size={value}: not a size" in err


def test_plugin_zero_size_is_refused(fp_build, tmp_path):
    err = _refused(fp_build, tmp_path, ["size=0", f"log={tmp_path}/a.fpl"])
    assert "size=0: must be between 1 byte and 16T" in err


def test_plugin_size_not_multiple_of_sector_is_refused(fp_build, tmp_path):
    err = _refused(fp_build, tmp_path,
                   ["size=1000000", "sector=4096", f"log={tmp_path}/a.fpl"])
    assert "size=1000000 is not a multiple of sector=4096" in err


def test_plugin_missing_log_is_refused(fp_build, tmp_path):
    err = _refused(fp_build, tmp_path, ["size=1M"])
    assert "missing required parameter log=FILE" in err


def test_plugin_log_in_missing_directory_is_refused(fp_build, tmp_path):
    path = tmp_path / "no" / "such" / "dir" / "run.fpl"
    err = _refused(fp_build, tmp_path, ["size=1M", f"log={path}"])
    assert "log: cannot create the write log" in err
    assert str(path) in err and "No such file or directory" in err


def test_plugin_log_that_is_a_directory_is_refused(fp_build, tmp_path):
    err = _refused(fp_build, tmp_path, ["size=1M", f"log={tmp_path}"])
    assert "log: cannot create the write log" in err
    assert "is a directory, not a regular file" in err


def test_plugin_missing_base_is_refused(fp_build, tmp_path):
    base = tmp_path / "nope.img"
    err = _refused(fp_build, tmp_path,
                   ["size=1M", f"log={tmp_path}/a.fpl", f"base={base}"])
    assert f"base: open: {base}: No such file or directory" in err


def test_plugin_base_larger_than_size_is_refused(fp_build, tmp_path):
    base = tmp_path / "big.img"
    base.write_bytes(b"x" * (1024 * 1024 + 512))
    err = _refused(fp_build, tmp_path,
                   ["size=1M", f"log={tmp_path}/a.fpl", f"base={base}"])
    assert f"base: {base} is 1049088 bytes, larger than size=1048576" in err


def test_plugin_base_directory_is_refused(fp_build, tmp_path):
    err = _refused(fp_build, tmp_path,
                   ["size=1M", f"log={tmp_path}/a.fpl", f"base={tmp_path}"])
    assert "not a regular file or block device" in err


@pytest.mark.parametrize("value", ["1000", "256", "8192", "0"])
def test_plugin_bad_sector_is_refused(fp_build, tmp_path, value):
    err = _refused(fp_build, tmp_path,
                   ["size=1M", f"log={tmp_path}/a.fpl", f"sector={value}"])
    assert f"sector={value}: must be a power of two from 512 to 4096" in err


def test_plugin_unparseable_sector_is_refused(fp_build, tmp_path):
    err = _refused(fp_build, tmp_path,
                   ["size=1M", f"log={tmp_path}/a.fpl", "sector=big"])
    assert "sector=big: not a number (use 512, 1024, 2048 or 4096)" in err


def test_plugin_bad_uuid_is_refused(fp_build, tmp_path):
    err = _refused(fp_build, tmp_path,
                   ["size=1M", f"log={tmp_path}/a.fpl", "uuid=not-a-uuid"])
    assert "uuid=not-a-uuid: not a UUID" in err


def test_plugin_bad_deterministic_is_refused(fp_build, tmp_path):
    err = _refused(fp_build, tmp_path,
                   ["size=1M", f"log={tmp_path}/a.fpl", "deterministic=maybe"])
    assert "deterministic=maybe: not a boolean" in err


def test_plugin_unknown_key_is_refused(fp_build, tmp_path):
    err = _refused(fp_build, tmp_path,
                   ["size=1M", f"log={tmp_path}/a.fpl", "colour=blue"])
    assert "unknown parameter 'colour'" in err


def test_plugin_repeated_key_is_refused(fp_build, tmp_path):
    err = _refused(fp_build, tmp_path,
                   ["size=1M", "size=2M", f"log={tmp_path}/a.fpl"])
    assert "size: parameter given more than once" in err


def test_plugin_refused_start_leaves_no_log_for_bad_base(fp_build, tmp_path):
    # The base is checked before the log is created: a refused start must
    # not leave a log that looks like a (empty) recording.
    log = tmp_path / "a.fpl"
    _refused(fp_build, tmp_path,
             ["size=1M", f"log={log}", f"base={tmp_path}/nope.img"])
    assert not log.exists()


def test_plugin_help_lists_every_key(fp_build):
    out = subprocess.run(["nbdkit", str(fp_build.plugin), "--help"],
                         capture_output=True, text=True, env=fp_build.env,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    for key in KEYS:
        assert f"\n{key}=" in out.stdout, (key, out.stdout)


def test_plugin_dump_plugin_lists_keys_and_exports(fp_build):
    out = subprocess.run(["nbdkit", str(fp_build.plugin), "--dump-plugin"],
                         capture_output=True, text=True, env=fp_build.env,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert f"flushpoint_params={','.join(KEYS)}\n" in out.stdout
    assert 'flushpoint_exports="",control\n' in out.stdout
    assert "thread_model=serialize_requests\n" in out.stdout
