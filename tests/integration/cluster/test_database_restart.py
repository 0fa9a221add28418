"""A node on PostgreSQL while PostgreSQL restarts (docs/store.md#postgresql): logins during the
outage are refused with a clear error in the node's log (never admitted), the node serves on,
logins work again once the database is back, and an upload that spans the restart either lands
whole under its name or not at all."""
import io
import os
import pathlib
import sys
import time

import paramiko
import pytest

HERE = pathlib.Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2] / "fixtures"))
from postgres import postgres, postgres_server  # noqa: E402,F401  (the fixtures)

GOOD = "Correct-Horse-9-Battery"


def sftp_login(s, password=GOOD):
    t = paramiko.Transport(("127.0.0.1", s.sftp_port))
    t.connect(username="alice", password=password)
    return t, paramiko.SFTPClient.from_transport(t)


def logs_in(s):
    try:
        t, _ = sftp_login(s)
        t.close()
        return True
    except (paramiko.SSHException, EOFError, OSError):
        return False


def test_a_database_restart_refuses_logins_meanwhile_and_then_serves_on(
        server_with, postgres, postgres_server, monkeypatch):  # noqa: F811
    monkeypatch.setenv("DRAWBRIDGE_DATABASE", postgres())
    s = server_with()
    s.add_user("alice", GOOD)
    s.files("alice").mkdir(parents=True, exist_ok=True)
    assert logs_in(s)

    data = os.urandom(4 * 1024 * 1024)
    t, sftp = sftp_login(s)
    f = sftp.open("/across.bin", "wb")
    f.write(data[:1024 * 1024])
    f.flush()
    postgres_server.stop()
    try:
        assert not logs_in(s)  # no database: nobody is admitted
        try:
            f.write(data[1024 * 1024:])
            f.close()
        except (OSError, EOFError, paramiko.SSHException):
            pass
        t.close()
    finally:
        postgres_server.start()
    deadline = time.time() + 10
    while not logs_in(s):  # bounded: ten seconds
        assert time.time() < deadline, "no login 10 s after the database came back"
        time.sleep(0.2)
    assert s.proc.poll() is None  # the node served on
    final = s.files("alice") / "across.bin"
    assert not final.exists() or final.read_bytes() == data  # whole or absent, never a part
    text = s.log_file.read_text()
    assert "database" in text.lower()
    assert GOOD not in text
