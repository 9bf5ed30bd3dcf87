"""The matrix opens with the answer (issue 16, "a report that answers the
question at a glance"): before the per-cell tables, in words, what each
sync call kept, property by property, over the columns with barriers; a
line for the columns without; and every verdict where fsync and fdatasync
differ, with the first state where the property was lost and a rebuild
command that works (its log is kept although the cell passed)."""
import re
import shlex
import subprocess

from cli_common import REPO, fp

PROPS = ("data", "size", "mtime", "mode", "nlink", "xattr", "dirent", "stale",
         "fsck", "after")


def _matrix(tmp_path, pattern, *args):
    out = tmp_path / "m"
    r = fp("matrix", "--jobs", "2", "--out", out, "--workloads",
           str(REPO / "workloads" / pattern), *args, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    return out, r.stdout


def test_answer_comes_first_and_names_the_differences(tmp_path):
    out, text = _matrix(tmp_path, "[cu]*.wl", "--persist", "fsync,fdatasync")
    start = text.index("THE ANSWER")
    assert start < text.index("\npersist fsync"), "the answer must come first"
    answer = text[start:text.index("\npersist fsync")]
    for p in PROPS:
        assert re.search(rf"^  {p} +\S", answer, re.M), (p, answer)
    # fdatasync does not promise mode and mtime: chmod-fsync shows it.
    assert re.search(r"^  mtime +fdatasync lost it in \d+ of \d+ cells "
                     r"\(not promised\); fsync kept it in every cell\.$",
                     answer, re.M), answer
    assert "Without barriers (ordered+nobarrier" in answer
    assert "BROKE the promise" in answer
    m = re.search(r"Where fsync and fdatasync differ: (\d+) verdicts", answer)
    assert m and int(m.group(1)) > 0, answer
    rows = re.findall(r"^  (chmod-fsync) +(\S+) +(mode|mtime) +held / lost; "
                      r"fdatasync: (\S+)\n    rebuild: (.+)$", answer, re.M)
    assert rows, answer
    # Every rebuild command shown runs and makes the image.
    for _, col, prop, recipe, cmd in rows[:2]:
        argv = shlex.split(cmd)
        assert argv[:2] == ["flushpoint", "replay"]
        r = fp(*argv[1:], cwd=tmp_path)
        assert r.returncode == 0, cmd + r.stderr
        img = tmp_path / argv[argv.index("-o") + 1]
        assert img.stat().st_size > 0
    html = (out / "index.html").read_text()
    assert html.index("id='answer'") < html.index("<h2>persist fsync")


def test_answer_without_fdatasync_says_nothing_about_differences(tmp_path):
    _, text = _matrix(tmp_path, "append-fsync.wl", "--persist", "fsync,sync")
    assert "THE ANSWER" in text
    assert "Where fsync and fdatasync differ" not in text
