"""litmus, the WebDAV compliance suite, against /dav/: every suite, zero failures."""
import os
import subprocess

import pytest

GOOD = "Correct-Horse-9-Battery"
SUITES = ["basic", "copymove", "props", "locks", "http"]


def run_litmus(url, user, password, tmp_path, suites=SUITES):
    env = {**os.environ, "TESTS": " ".join(suites), "HOME": str(tmp_path)}
    proc = subprocess.run(["litmus", "--keep-going", url, user, password], capture_output=True,
                          text=True, timeout=300, env=env, cwd=tmp_path)
    return proc


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_litmus_every_suite_passes(server, tmp_path, scheme):
    # Plain HTTP logins are refused unless the site or the user allows them (ssl_required).
    server.add_user("alice", GOOD, "--set", "ssl_required=never_require")
    port = server.http_port if scheme == "http" else server.https_port
    proc = run_litmus(f"{scheme}://127.0.0.1:{port}/dav/", "alice", GOOD, tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    for suite in SUITES:
        assert f"<- summary for `{suite}': of" in out, out
    assert "FAIL" not in out, out
