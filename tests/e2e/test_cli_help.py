"""The flushpoint command's dispatch, --help and usage errors."""
import pytest

from cli_common import fp

COMMANDS = ["log dump", "log verify", "log export", "log import",
            "log promises", "replay"]


def test_help_lists_every_command():
    r = fp("--help")
    assert r.returncode == 0
    for name in COMMANDS:
        assert f"  {name} " in r.stdout
    assert "Exit status: 0 success, 1 a check" in r.stdout


def test_help_word_is_the_same_as_dash_dash_help():
    assert fp("help").stdout == fp("--help").stdout


def test_no_arguments_is_a_usage_error():
    r = fp()
    assert r.returncode == 2
    assert "Usage: flushpoint COMMAND" in r.stderr


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(name):
    r = fp(*name.split(), "--help")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"Usage: flushpoint {name} ")
    assert "Exit status:" in r.stdout
    assert fp("help", *name.split()).stdout == r.stdout


def test_group_help_lists_its_subcommands():
    for args in (["log", "--help"], ["help", "log"]):
        r = fp(*args)
        assert r.returncode == 0
        assert "log dump" in r.stdout and "log verify" in r.stdout
        assert "replay" not in r.stdout


def test_unknown_command_is_a_usage_error():
    r = fp("frobnicate")
    assert r.returncode == 2
    assert "flushpoint: unknown command 'frobnicate'" in r.stderr


def test_unknown_subcommand_is_a_usage_error():
    r = fp("log", "shred", "x.fpl")
    assert r.returncode == 2
    assert "flushpoint: log: unknown subcommand 'shred'" in r.stderr
    r = fp("log")
    assert r.returncode == 2
    assert "missing subcommand" in r.stderr


def test_help_of_unknown_command_fails():
    assert fp("help", "frobnicate").returncode == 2


@pytest.mark.parametrize("name", COMMANDS)
def test_unknown_option_names_command_and_option(name):
    r = fp(*name.split(), "--bogus", "x.fpl")
    assert r.returncode == 2
    assert f"flushpoint: {name}: unknown or malformed option '--bogus'" in r.stderr
    assert f"Try 'flushpoint {name} --help'." in r.stderr


@pytest.mark.parametrize("name", COMMANDS)
def test_missing_log_argument(name):
    r = fp(*name.split())
    assert r.returncode == 2
    what = "FILE" if name == "log import" else "LOG"   # a dm-log-writes file
    assert f"flushpoint: {name}: missing {what}" in r.stderr


def test_option_missing_its_argument():
    r = fp("replay", "x.fpl", "-o")
    assert r.returncode == 2
    assert "option '-o' needs an argument" in r.stderr
