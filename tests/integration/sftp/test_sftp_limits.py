"""Resource bounds of SFTP (issue #10, items 5 and 7): open handles per session and per user,
and writes far past a file's end (FTP REST + STOR too)."""
import ftplib
import io
import time
import pathlib
import sys

import paramiko
import pytest
from paramiko.sftp import CMD_OPENDIR

from test_sftp_extensions import (CLOSE, FAILURE, FXF_CREAT, FXF_WRITE, OK, WRITE,  # noqa: E402
                                  RawSftp, s, u64)

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "ftp"))
from ftp_helpers import GOOD, ftps  # noqa: E402

TiB = 1 << 40
GAP = 16 << 20  # vfs::kMaxWriteGap


def connect(server):
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect(username="alice", password=GOOD)
    return t, paramiko.SFTPClient.from_transport(t)


@pytest.fixture
def limited(server_with):
    server = server_with(sftp_extra="max_handles_per_session = 4\nmax_handles_per_user = 6\n")
    server.add_user("alice")
    root = server.files("alice")
    root.mkdir(parents=True, exist_ok=True)
    for i in range(10):
        (root / f"f{i}.txt").write_text(str(i))
    return server


def test_handles_are_capped_per_session_and_per_user(limited):
    t1, a = connect(limited)
    held = [a.open(f"/f{i}.txt") for i in range(3)]
    a._request(CMD_OPENDIR, "/")  # a folder handle counts too: this session's 4
    with pytest.raises(IOError, match="too many open handles in this session"):
        a.open("/f5.txt")
    with pytest.raises(IOError, match="too many open handles in this session"):
        a.putfo(io.BytesIO(b"new"), "/new.txt")
    assert not (limited.files("alice") / "new.txt").exists()
    held[0].close()
    f5 = a.open("/f5.txt")  # room again, and held: this session is back at 4
    assert f5.read() == b"5"
    t2, b = connect(limited)
    b1, b2 = b.open("/f6.txt"), b.open("/f7.txt")
    # 4 in the first session and 2 here: the user's 6.
    with pytest.raises(IOError, match="too many open handles for this user"):
        b.open("/f8.txt")
    b1.close()
    with b.open("/f8.txt") as f:
        assert f.read() == b"8"
    b2.close()
    t1.close()  # a closed session gives its handles back, once the server has seen it close
    t3, c = connect(limited)
    files, deadline = [], time.monotonic() + 5
    while len(files) < 4:
        try:
            files.append(c.open(f"/f{len(files)}.txt"))
        except IOError:
            assert time.monotonic() < deadline, "the closed session's handles were not released"
            time.sleep(0.1)
    assert [f.read() for f in files] == [b"0", b"1", b"2", b"3"]
    t2.close()
    t3.close()


def test_limits_extension_advertises_the_session_cap(limited):
    raw = RawSftp(limited.sftp_port)
    raw.init()
    reply = raw.extended("limits@openssh.com")
    assert [reply.u64() for _ in range(4)][3] == 4
    raw.close()


def test_serve_raises_the_open_file_limit(limited):
    assert "open file limit" in limited.log_file.read_text()


@pytest.fixture
def raw(server):
    server.add_user("alice")
    conn = RawSftp(server.sftp_port)
    conn.init()
    yield server, conn
    conn.close()


def test_sftp_write_far_past_the_end_is_refused(raw):
    server, conn = raw
    h = conn.handle("/sparse.bin", FXF_WRITE | FXF_CREAT)
    reply = conn.request(WRITE, s(h) + u64(TiB) + s(b"x"))
    assert reply.status()[:2] == (FAILURE, "offset beyond end of file")
    assert conn.status(WRITE, s(h) + u64(GAP + 1) + s(b"x")) == FAILURE
    # Within the window: pipelined writes that arrive out of order.
    assert conn.status(WRITE, s(h) + u64(GAP) + s(b"b")) == OK
    assert conn.status(WRITE, s(h) + u64(0) + s(b"a")) == OK
    assert conn.status(CLOSE, s(h)) == OK
    assert (server.files("alice") / "sparse.bin").stat().st_size == GAP + 1


def test_ftp_rest_far_past_the_end_is_refused(server):
    server.add_user("alice")
    root = server.files("alice")
    root.mkdir(parents=True, exist_ok=True)
    (root / "part.bin").write_bytes(b"abc")
    f = ftps(server)
    with pytest.raises(ftplib.error_perm, match="554 REST offset is beyond the end"):
        f.storbinary("STOR part.bin", io.BytesIO(b"x"), rest=TiB)
    assert (root / "part.bin").read_bytes() == b"abc"
    f.storbinary("STOR part.bin", io.BytesIO(b"def"), rest=3)  # a resume still works
    assert (root / "part.bin").read_bytes() == b"abcdef"
    f.quit()
