"""The HTML report as a person sees it: opened in headless Chromium (Debian's ``chromium``).

The test installs nothing: ``.ci/run`` installs Chromium, and the test skips, saying so, only
where ``/usr/bin/chromium`` is missing. Screenshots are kept in ``test-artifacts/`` to look at.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from coop_rules import Report
from coop_rules.renderers.html import HtmlRenderer

from ..conftest import REPO

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
Reports = Callable[[str], Report]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no /usr/bin/chromium here (.ci/run installs Debian's chromium)"
)

# Added to a copy of the page only (the report itself has no script, and its policy forbids
# one): after load, record whether every image decoded and any error the page raised.
_PROBE = """<script nonce="probe">
window.addEventListener("error", e => document.body.dataset.errors =
  (document.body.dataset.errors || "") + e.message + ";");
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  document.body.dataset.images = images.length;
  document.body.dataset.broken = images.filter(i => !i.complete || !i.naturalWidth).length;
  document.body.dataset.verdict = getComputedStyle(document.getElementById("verdict")).display;
});
</script>"""


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("claim", ["compliant", "am04-claimed-not-supported"])
def test_report_in_a_real_browser(fixture_report: Reports, tmp_path: Path, claim: str) -> None:
    report = fixture_report(claim)
    html = HtmlRenderer().report(report)
    page = tmp_path / f"{claim}.html"
    page.write_text(html, encoding="utf-8")
    probed = tmp_path / f"{claim}-probed.html"
    probed.write_text(
        html.replace(
            "default-src 'none';", "default-src 'none'; script-src 'nonce-probe';"
        ).replace("</body>", _PROBE + "</body>"),
        encoding="utf-8",
    )
    result = _chromium("--dump-dom", probed.as_uri(), profile=tmp_path / "profile")
    dom = result.stdout
    assert "<body" in dom, result.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", dom)
    assert body is not None
    data = dict(re.findall(r'data-(\w+)="([^"]*)"', body.group(1)))
    assert data.get("verdict") not in (None, "none")  # the verdict is there and displayed
    assert data.get("broken") == "0" and "errors" not in data, data
    assert int(data["images"]) == html.count("<img ") > 0
    assert re.search(rf'id="verdict">{report.verdict.upper()}<', dom)
    for finding in report.findings:
        assert f'<span class="code">{finding.code}</span>' in dom
    console = [line for line in result.stderr.splitlines() if "CONSOLE" in line]
    assert not [line for line in console if "probe" not in line], console
    # Screenshots of the report as shipped (no probe): a desktop and a phone width.
    ARTIFACTS.mkdir(exist_ok=True)
    for name, size in (("desktop", "1280,2000"), ("phone", "390,2400")):
        shot = ARTIFACTS / f"report-{claim}-{name}.png"
        shot.unlink(missing_ok=True)
        taken = _chromium(
            f"--screenshot={shot}", f"--window-size={size}", page.as_uri(), profile=tmp_path / "p2"
        )
        assert shot.is_file() and shot.stat().st_size > 10_000, taken.stderr[-2000:]
