"""The HTML reports in a real headless browser (Debian's chromium): the
check report's timeline draws its bands (where writes landed, the journal,
FLUSH lines, marks, each state's verdict), its script runs and zooms
("#zoom=4"), and the pixels show the colours they should; the matrix page
opens with the answer.  Both are opened from file:// URLs, so they need
nothing from the network."""
import re
import shutil
import subprocess

import pytest

from cli_common import REPO, fp

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed "
    "(scripts/install-deps.sh installs it)")


def _browser(*args):
    r = subprocess.run([CHROMIUM, "--headless=new", "--no-sandbox",
                        "--disable-gpu", "--hide-scrollbars",
                        "--window-size=1400,1000", *args],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def _check_html(tmp_path):
    log = tmp_path / "r.fpl"
    r = fp("run", REPO / "workloads" / "fsync-seed.wl", "--start-nbdkit",
           "--log", log, "--mount", "nobarrier")
    assert r.returncode == 0, r.stderr
    html = tmp_path / "r.html"
    r = fp("check", log, "-q", "--states", "flush,write,epoch", "--html",
           html, cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr      # violations
    return html


def test_timeline_draws_and_zooms_in_a_browser(tmp_path):
    html = _check_html(tmp_path)
    dom = _browser("--dump-dom", html.as_uri())
    assert "id=\"fp-timeline\"" in dom
    for cls in ("fp-w", "fp-flush", "fp-mark", "fp-journal", "fp-state fp-v4"):
        assert f'class="{cls}"' in dom, cls
    # The script ran: it set the zoom factor and the range shown.
    assert re.search(r'data-zoom="1\.00"', dom), dom[:2000]
    m = re.search(r'id="fp-range">entries 0-(\d+) of (\d+)<', dom)
    assert m and int(m.group(1)) >= int(m.group(2)), dom[:2000]
    zoomed = _browser("--dump-dom", html.as_uri() + "#zoom=4")
    assert 'data-zoom="4.00"' in zoomed
    m = re.search(r'id="fp-range">entries (\d+)-(\d+) of (\d+)<', zoomed)
    lo, hi, n = map(int, m.groups())
    assert 0 < lo < hi < n and (hi - lo) * 4 <= n + 8


def test_timeline_pixels_show_its_colours(tmp_path):
    from PIL import Image
    html = _check_html(tmp_path)
    png = tmp_path / "shot.png"
    _browser(f"--screenshot={png}", html.as_uri())
    img = Image.open(png).convert("RGB")
    colours = set(img.getdata())

    def near(rgb, tol=40):
        return any(all(abs(a - b) <= tol for a, b in zip(c, rgb))
                   for c in colours)
    assert near((0xdd, 0x22, 0x22)), "no violated state (red) drawn"
    assert near((0x33, 0xaa, 0x33)), "no held state (green) drawn"
    assert near((0x1c, 0x4f, 0x9c), tol=60), "no writes (blue) drawn"


def test_matrix_page_opens_with_the_answer(tmp_path):
    out = tmp_path / "m"
    r = fp("matrix", "--jobs", "2", "--out", out, "--workloads",
           str(REPO / "workloads" / "chmod-fsync.wl"), "--persist",
           "fsync,fdatasync", timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    dom = _browser("--dump-dom", (out / "index.html").as_uri())
    assert dom.index('id="answer"') < dom.index("<h2>persist fsync")
    assert "Where fsync and fdatasync differ" in dom
    # The plots: a verdict bar per property, a rate bar per cell.
    assert dom.index('id="fp-verdicts"') < dom.index("<h2>persist fsync")
    assert 'class="fp-bar fp-bar-lost"' in dom   # fdatasync's mtime and mode
    assert dom.count('class="fp-rate"') == 10    # 1 workload x 2 x 5 columns
