"""Only `serve` and `init` create a site; every other command run where there is none says
where it looked and exits non-zero, leaving nothing behind (issue 11, bug 11)."""
import os
import subprocess

import pytest

from conftest import BINARY, Drawbridge


def bare_env():
    """The environment without DRAWBRIDGE_* settings, which would point elsewhere."""
    return {k: v for k, v in os.environ.items() if not k.startswith("DRAWBRIDGE_")}


@pytest.mark.parametrize("args", [
    ["user", "list"], ["user", "show", "admin"], ["site", "show"], ["log", "search"],
    ["user", "add", "alice", "--method", "none"], ["ban", "list"],
], ids=["user-list", "user-show", "site-show", "log-search", "user-add", "ban-list"])
def test_a_command_outside_a_site_creates_nothing(tmp_path, args):
    proc = subprocess.run([BINARY, *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, env=bare_env())
    assert proc.returncode == 1, proc
    data = tmp_path / "data"
    assert f"no site at {data}" in proc.stderr and str(data / "drawbridge.db") in proc.stderr, \
        proc.stderr
    assert "drawbridge init" in proc.stderr and "--data-dir" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_data_dir_without_a_database_is_no_site(tmp_path):
    db = Drawbridge(tmp_path, init=False)
    db.data_dir.mkdir()
    proc = db.run("user", "list", check=False)
    assert proc.returncode == 1 and f"no site at {db.data_dir}" in proc.stderr, proc.stderr
    assert list(db.data_dir.iterdir()) == []


def test_init_creates_a_site_once(tmp_path):
    db = Drawbridge(tmp_path, init=False)
    out = db.run("init").stderr
    assert f"created a site at {db.data_dir}" in out, out
    assert (db.data_dir / "drawbridge.db").exists() and (db.data_dir / "files").is_dir()
    assert oct(os.stat(db.data_dir).st_mode & 0o777) == "0o700"
    assert db.json("user", "list") == []  # the administrator is serve's to create
    db.add_user("alice")
    out = db.run("init").stderr
    assert f"a site already exists at {db.data_dir}" in out and "1 user(s)" in out, out
    assert [u["username"] for u in db.json("user", "list")] == ["alice"]
