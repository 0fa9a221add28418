"""Bytes a path cannot hold (issue #10, items 2 and 4), over every protocol.

A NUL byte would let the folder-permission check see one path and the system call another, so
it is refused where a client's path is decoded. CR and LF are refused in new names, and any
control character in a name that already exists is escaped where it is printed, so that no name
can forge a line of an FTP reply, a listing or the CLI's log output.
"""
import io
import pathlib
import ssl
import subprocess
import sys
import urllib.request

import paramiko
import pytest

HERE = pathlib.Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "sftp"), str(HERE.parent / "ftp")]
from ftp_helpers import GOOD, ftps, raw_login  # noqa: E402
from test_sftp_extensions import (BAD_MESSAGE, FXF_CREAT, FXF_READ, FXF_TRUNC,  # noqa: E402
                                  FXF_WRITE, HANDLE, MKDIR, OPEN, OPENDIR, REMOVE, RENAME,
                                  STATUS, RawSftp, s, u32)

INJECTED = "inj\r\n213 injected-end"


@pytest.fixture
def alice(server):
    """alice, with /private and /denied.txt refused by folder permissions."""
    server.add_user("alice")
    root = server.files("alice")
    (root / "private").mkdir(parents=True)
    (root / "private" / "secret.txt").write_text("secret\n")
    (root / "denied.txt").write_text("denied\n")
    server.run("permission", "set", "alice", "/private", "--allow", "none")
    server.run("permission", "set", "alice", "/denied.txt", "--allow", "none")
    return server


@pytest.fixture
def raw(alice):
    conn = RawSftp(alice.sftp_port)
    conn.init()
    yield conn
    conn.close()


def refused_nul(reply):
    assert reply.kind == STATUS
    code, message, _ = reply.status()
    assert code == BAD_MESSAGE and message == "path contains a NUL byte"


def test_sftp_nul_in_a_path_is_refused_before_the_permission_check(alice, raw):
    root = alice.files("alice")
    refused_nul(raw.request(OPENDIR, s("private\0")))
    refused_nul(raw.request(OPEN, s("denied.txt\0") + u32(FXF_READ) + u32(0)))
    refused_nul(raw.request(OPEN, s("denied.txt\0x") + u32(FXF_WRITE | FXF_TRUNC) + u32(0)))
    refused_nul(raw.request(REMOVE, s("/denied.txt\0")))
    refused_nul(raw.request(RENAME, s("private\0") + s("unprot")))
    refused_nul(raw.request(RENAME, s("/ok") + s("private\0")))
    assert (root / "denied.txt").read_text() == "denied\n"
    assert (root / "private" / "secret.txt").read_text() == "secret\n"
    assert not (root / "unprot").exists()
    # The session goes on: a clean request still works.
    assert raw.request(OPENDIR, s("/")).kind == HANDLE


def test_ftp_nul_in_a_path_is_refused(alice):
    c = raw_login(alice)
    assert c.cmd("PASV").startswith("227")
    for line in ("RETR denied.txt\0", "NLST private\0", "DELE denied.txt\0", "RNFR private\0",
                 "STOR denied.txt\0", "CWD private\0"):
        reply = c.cmd(line)
        assert reply.startswith("501") and "path contains a NUL byte" in reply, (line, reply)
    c.close()
    root = alice.files("alice")
    assert (root / "denied.txt").read_text() == "denied\n"
    assert (root / "private" / "secret.txt").exists()


def http_status(url, method="GET", data=None):
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    req = urllib.request.Request(url, method=method, data=data)
    req.add_header("Authorization", "Basic " + __import__("base64").b64encode(
        ("alice:" + GOOD).encode()).decode())
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=20) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_http_nul_is_refused_and_cr_lf_names_are_not_created(alice):
    alice.run("user", "set", "alice", "ssl_required=never_require")  # plain HTTP logins
    base = f"http://127.0.0.1:{alice.http_port}/dav"
    assert http_status(base + "/private%00") == 400
    assert http_status(base + "/denied.txt%00", "PUT", b"x") == 400
    assert http_status(base + "/inj%0d%0a213%20injected-end", "PUT", b"x") == 400
    assert http_status(base + "/line%0abreak", "MKCOL") == 400
    assert http_status(base + "/ok.txt", "PUT", b"x") in (200, 201, 204)
    names = sorted(p.name for p in alice.files("alice").iterdir())
    assert names == ["denied.txt", "ok.txt", "private"]


def test_sftp_refuses_cr_lf_in_new_names(alice):
    t = paramiko.Transport(("127.0.0.1", alice.sftp_port))
    t.connect(username="alice", password=GOOD)
    sftp = paramiko.SFTPClient.from_transport(t)
    sftp.putfo(io.BytesIO(b"ok"), "/ok.txt")
    for action in (lambda: sftp.putfo(io.BytesIO(b"x"), "/" + INJECTED),
                   lambda: sftp.open("/a\rb", "w"), lambda: sftp.mkdir("/d\nx"),
                   lambda: sftp.rename("/ok.txt", "/" + INJECTED),
                   lambda: sftp.posix_rename("/ok.txt", "/x\ny"),
                   lambda: sftp.symlink("/ok.txt", "/l\nk")):
        with pytest.raises(IOError) as e:
            action()
        assert "CR or LF" in str(e.value)
    t.close()
    assert sorted(p.name for p in alice.files("alice").iterdir()) == [
        "denied.txt", "ok.txt", "private"]


def test_ftp_refuses_cr_in_new_names(alice):
    # ftplib refuses to send a CR itself; a raw client can (a line ends at LF).
    (alice.files("alice") / "ok.txt").write_text("ok")
    c = raw_login(alice)
    assert c.cmd("PASV").startswith("227")
    reply = c.cmd("STOR a\rb")
    assert reply.startswith("553") and "CR or LF" in reply, reply
    assert c.cmd("MKD d\rx").startswith("553")
    assert c.cmd("RNFR ok.txt").startswith("350")
    assert c.cmd("RNTO x\ry").startswith("553")
    c.close()
    assert not any("\r" in p.name for p in alice.files("alice").iterdir())


@pytest.fixture
def injected(alice):
    """A name with CR LF made on disk behind the server's back (or before this fix)."""
    root = alice.files("alice")
    (root / "pub").mkdir()
    (root / "pub" / INJECTED).write_text("x")
    (root / "pub" / "plain.txt").write_text("y")
    return alice


ESCAPED = "inj\\x0d\\x0a213 injected-end"


def test_ftp_listings_and_replies_escape_control_characters(injected):
    f = ftps(injected)
    for cmd in ("NLST pub", "LIST pub", "MLSD pub"):
        lines = []
        f.retrlines(cmd, lines.append)
        assert len(lines) == 2, (cmd, lines)
        assert any(line.endswith(ESCAPED) for line in lines), (cmd, lines)
    f.quit()
    c = raw_login(injected)
    reply = c.cmd("STAT /pub")
    lines = reply.split("\r\n")
    assert lines[-2] == "213 End of status." and not any(
        line.startswith("213 injected") for line in lines), reply
    assert any(line.endswith(ESCAPED) for line in lines)
    # The connection stays in step: the next reply answers the next command.
    assert c.cmd("NOOP").startswith("200")
    c.close()


def test_sftp_long_names_escape_control_characters(injected):
    t = paramiko.Transport(("127.0.0.1", injected.sftp_port))
    t.connect(username="alice", password=GOOD)
    sftp = paramiko.SFTPClient.from_transport(t)
    entries = {a.filename: a.longname for a in sftp.listdir_attr("/pub")}
    assert entries[INJECTED].endswith(" " + ESCAPED)  # the name itself stays exact
    assert "\r" not in entries[INJECTED] and "\n" not in entries[INJECTED]
    t.close()


def test_cli_log_search_escapes_control_characters(alice, raw):
    raw.request(REMOVE, s("/gone\r\n9999 forged-line"))  # audited as a failed destroy
    raw.request(MKDIR, s("/x\x1b[31mred") + u32(0))
    text = alice.run("log", "search", "--action", "destroy").stdout
    assert "gone\\x0d\\x0a9999 forged-line" in text
    assert not any(line.startswith("9999") for line in text.splitlines())
    text = alice.run("log", "search", "--action", "mkdir").stdout
    assert "\x1b" not in text and "x\\x1b[31mred" in text
    # JSON stays exact.
    entries = alice.log("--action", "destroy")
    assert entries[0]["path"] == "/gone\r\n9999 forged-line"
