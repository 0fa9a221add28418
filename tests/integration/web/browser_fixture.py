"""The `browser` fixture of the web UI's tests: the real binary, Debian's Chromium driven by
web/node_modules (installed by the build's `npm ci`), screenshots in the test's output folder."""
import json
import os
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
WEB_DIR = ROOT / "web"
SCRIPT = pathlib.Path(__file__).with_name("browser.mjs")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Where screenshots stay after the run (looked at by people; a few are copied to docs/).
SHOTS = pathlib.Path(os.environ.get("DRAWBRIDGE_WEB_SHOTS", ROOT / "build" / "web-screenshots"))


def need_browser():
    if not (WEB_DIR / "node_modules" / "playwright-core").exists():
        pytest.fail("web/node_modules has no playwright-core: build first (it runs npm ci)")
    if not shutil.which("node") or not pathlib.Path(CHROMIUM).exists():
        pytest.fail(f"node and {CHROMIUM} are needed (scripts/install-deps.sh installs them)")


@pytest.fixture
def browser(request):
    """browser(scenario, **params) runs one scenario of browser.mjs and returns what it saw."""
    need_browser()
    out = SHOTS / request.node.name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)

    def run(scenario, **params):
        params.setdefault("out", str(out))
        proc = subprocess.run(["node", str(SCRIPT), scenario, json.dumps(params)],
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, "DRAWBRIDGE_WEB_DIR": str(WEB_DIR),
                                   "CHROMIUM": CHROMIUM})
        if proc.returncode != 0:
            raise AssertionError(f"browser.mjs {scenario} exited {proc.returncode}:\n"
                                 f"{proc.stdout}\n{proc.stderr}")
        return json.loads(proc.stdout.strip().splitlines()[-1])

    run.out = out
    return run
