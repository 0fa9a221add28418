"""drawbridge on PostgreSQL (docs/store.md#postgresql): a real PostgreSQL 15 started here on
loopback at a free port, `database = "postgresql://..."` in the node's configuration, a user
made with the CLI who logs in over SFTP; then two servers on one database, where one's CLI
disable ends the other's open session within about a second."""
import os
import pathlib
import subprocess
import sys
import time

import paramiko
import pytest

HERE = pathlib.Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2] / "fixtures"))
from postgres import postgres, postgres_server  # noqa: E402,F401  (the fixtures)

GOOD = "Correct-Horse-9-Battery"


def sftp(server, user="alice", password=GOOD):
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect(username=user, password=password)
    return t, paramiko.SFTPClient.from_transport(t)


def test_a_user_made_with_the_cli_logs_in_over_sftp(server_with, postgres, monkeypatch):
    # The environment reaches both `serve` and the CLI commands the test runs. The server
    # trusts loopback, so the password is not checked: only that no log line shows it.
    uri = postgres().replace("postgres@", "postgres:Sekrit-Pw@")
    monkeypatch.setenv("DRAWBRIDGE_DATABASE", uri)
    s = server_with()
    text = s.log_file.read_text()
    assert "PostgreSQL, schema version" in text and "Sekrit-Pw" not in text, text
    s.add_user("alice", GOOD)
    t, client = sftp(s)
    try:
        with client.open("hello.txt", "w") as f:
            f.write("on postgres\n")
        assert "hello.txt" in client.listdir(".")
    finally:
        t.close()
    entries = s.log("--username", "alice", "--action", "login")
    assert entries and entries[0]["interface"] == "sftp"
    assert not (s.data_dir / "drawbridge.db").exists()  # nothing went to SQLite


def test_another_nodes_disable_ends_an_open_session_within_a_second(
        server_with, host_keys, postgres, monkeypatch, tmp_path):
    monkeypatch.setenv("DRAWBRIDGE_DATABASE", postgres())
    # Two nodes of one site: one database, each node with its own data directory.
    a = server_with()
    (tmp_path / "b").mkdir()
    b = type(a)(tmp_path / "b", host_keys)
    b.start()
    try:
        node_b_sees_node_a_disable(a, b)
    finally:
        b.stop()


def node_b_sees_node_a_disable(a, b):
    a.add_user("alice", GOOD)
    t, client = sftp(b)  # a user node A's CLI made, on node B
    try:
        client.listdir(".")
        a.run("user", "disable", "alice")
        disabled_at = time.monotonic()
        ended = None
        while time.monotonic() - disabled_at < 5:
            try:
                client.listdir(".")
            except (OSError, EOFError, paramiko.SSHException):
                ended = time.monotonic() - disabled_at
                break
            time.sleep(0.05)
        assert ended is not None, "node B's session outlived the disable on node A"
        assert ended < 1.5, f"seen after {ended:.2f} s"
    finally:
        t.close()
    with pytest.raises(paramiko.AuthenticationException):
        sftp(b)


@pytest.mark.parametrize("value", ["mysql://db/site", "postgresql", "sqlite://"])
def test_a_database_neither_sqlite_nor_postgresql_is_refused(tmp_path, value):
    cmd = [os.environ.get("DRAWBRIDGE_BIN", "build/drawbridge"), "init", "--data-dir",
           str(tmp_path / "data")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "DRAWBRIDGE_DATABASE": value})
    assert proc.returncode != 0 and "DATABASE" in proc.stderr.upper(), proc.stderr
    assert "sqlite:///" in proc.stderr, proc.stderr
    assert not (tmp_path / "data").exists()
