"""Bad fault specifications: each is refused with its own clear message
naming the spec and the word, at startup (nbdkit exits non-zero) and at run
time through the control export (EINVAL)."""

import pytest

import nbd

from conftest import fault_command, read_control, run_nbdkit_expect_failure

BAD = [
    ("", "empty fault specification"),
    (";;", "empty fault specification"),
    ("wrte:EIO", 'word 1 "wrte": expected an operation (read, write, flush, '
                 'trim, zero or any), powercut, latency or clear'),
    ("write", "expected an errno after the operation"),
    ("write:EFOO", 'word 2 "EFOO": not an errno NBD can carry'),
    ("write:EIO:at:0", 'word 4 "0": expected a count >= 1 after "at"'),
    ("write:EIO:at", 'word 3 "at": "at" needs a value'),
    ("write:EIO:next:at:3", 'word 4 "at": conflicts with word 3 "next"'),
    ("write:EIO:once:times:2", 'word 4 "times": conflicts with word 3 "once"'),
    ("write:EIO:range:5-3", 'word 4 "5-3": the range is empty'),
    ("write:EIO:range:abc", 'word 4 "abc": expected a byte range A-B'),
    ("flush:EIO:range:0-4K", 'word 3 "range": a flush has no offset'),
    ("write:EIO:rate:2", 'word 4 "2": expected a probability in (0, 1]'),
    ("write:EIO:rate:0", 'word 4 "0": expected a probability in (0, 1]'),
    ("write:EIO:seed:3", 'word 3 "seed": a seed only applies to "rate P"'),
    ("write:EIO:sometimes", 'word 3 "sometimes": expected a modifier'),
    ("latency:write", "expected a duration"),
    ("latency:write:5", 'word 3 "5": expected a duration'),
    ("latency:write:2min", 'word 3 "2min": expected a duration'),
    ("latency:sideways:1ms", 'word 2 "sideways": expected an operation'),
    ("powercut:at:3:ENOSPC", 'word 4 "ENOSPC": a power cut fails requests '
                             'with EIO or ESHUTDOWN'),
    ("powercut:soon", 'word 2 "soon": expected next, at N, EIO or ESHUTDOWN'),
    ("clear:everything", 'word 2 "everything": expected nothing or an '
                         'operation'),
    ("write:EIO;flush:EXYZ", 'fault spec 2 "flush:EXYZ": word 2 "EXYZ"'),
]


def _refused(fp_build, tmp_path, args):
    rc, err = run_nbdkit_expect_failure(fp_build, args, tmp_path)
    assert rc != 0, err
    return err


@pytest.mark.parametrize("spec,message", BAD)
def test_bad_fault_parameter_is_refused_at_startup(fp_build, tmp_path, spec,
                                                   message):
    log = tmp_path / "a.fpl"
    err = _refused(fp_build, tmp_path, ["size=1M", f"log={log}",
                                        f"fault={spec}"])
    assert f"fault={spec}: " in err, err
    assert message in err, err
    assert not log.exists()         # refused before the log is created


@pytest.mark.parametrize("spec,message", BAD)
def test_bad_fault_command_is_einval_at_run_time(flushpoint_server, spec,
                                                 message):
    srv = flushpoint_server()
    c = srv.control()
    with pytest.raises(nbd.Error) as ei:
        # (nbdkit refuses an empty write itself: send a blank)
        fault_command(c, spec.replace(":", " ") or " ")
    assert ei.value.errno == "EINVAL"
    assert "control: fault command refused: " in srv.stderr
    assert message.split('": ')[-1] in srv.stderr
    assert read_control(c)["faults"] == ""


def test_fault_range_past_the_disk_is_refused(fp_build, tmp_path):
    err = _refused(fp_build, tmp_path, ["size=1M", f"log={tmp_path}/a.fpl",
                                        "fault=write:EIO:range:2M-3M"])
    assert ('fault: fault "write:EIO:at:1:range:2097152-3145728:always": the '
            'range starts at byte 2097152, past the end of the 1048576-byte '
            'disk') in err


def test_too_many_startup_faults_are_refused(fp_build, tmp_path):
    specs = ";".join(["read:EIO:at:9"] * 33)
    err = _refused(fp_build, tmp_path, ["size=1M", f"log={tmp_path}/a.fpl",
                                        f"fault={specs}"])
    assert "32 faults are armed already, the most a disk can have" in err


def test_good_specs_in_every_form_are_accepted(flushpoint_server):
    srv = flushpoint_server(fault="write EIO at 3 range 0-64K rate 5% seed 9 "
                                  "times 2;read:ENOSPC:next;"
                                  "powercut:flush:at:100:ESHUTDOWN;"
                                  "latency:trim:250us;zero:EPERM:always")
    ctl = read_control(srv.control())
    assert ctl["faults"].split(";") == [
        "write:EIO:at:3:range:0-65536:rate:0.05:seed:9:times:2",
        "read:ENOSPC:at:1:times:1",
        "powercut:flush:at:100:ESHUTDOWN",
        "zero:EPERM:at:1:always",
        "latency:trim:250us"]
