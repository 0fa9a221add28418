"""rclone's FTP backend with its default parallel transfers over FTPS, and the rule behind it: a
control connection gets its TLS 1.3 session tickets only once it is logged in.

rclone keeps one TLS session cache for its whole pool of control and data connections, so a data
connection resumes whichever ticket arrived last, often one issued to another control connection
of the same client. Tickets given out at the handshake named a connection that had not logged in
yet, and such a data connection got `522 The data connection must resume the TLS session`
(issue 11, bug 17). See docs/ftp.md, "Session reuse"."""
import os
import socket
import subprocess

import pytest

from ftp_helpers import GOOD, tls_context

RUNS = 5
FILES = 20


@pytest.fixture
def alice(server):
    server.add_user("alice")
    server.files("alice").mkdir(parents=True)  # made at the first login otherwise
    return server


def make_tree(root):
    """20 files of a few sizes in three folders (and one at the top)."""
    for i in range(FILES):
        folder = root / ("" if i == 0 else f"d{i % 3}")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{i:02}.bin").write_bytes(os.urandom(1 + i * 7919))


def tree(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def rclone_env(tmp_path, port, mode):
    """The remote `t:` defined by environment variables only (no config file)."""
    obscured = subprocess.run(["rclone", "obscure", GOOD], check=True, capture_output=True,
                              text=True, timeout=30).stdout.strip()
    env = {**os.environ, "RCLONE_CONFIG": str(tmp_path / "absent.conf"),
           "RCLONE_CONFIG_T_TYPE": "ftp", "RCLONE_CONFIG_T_HOST": "127.0.0.1",
           "RCLONE_CONFIG_T_PORT": str(port), "RCLONE_CONFIG_T_USER": "alice",
           "RCLONE_CONFIG_T_PASS": obscured, "RCLONE_CONFIG_T_NO_CHECK_CERTIFICATE": "true"}
    tls_key = "EXPLICIT_TLS" if mode.startswith("explicit") else "TLS"  # TLS: implicit
    env["RCLONE_CONFIG_T_" + tls_key] = "true"
    if mode.endswith("tls12"):
        env["RCLONE_CONFIG_T_DISABLE_TLS13"] = "true"
    return env


def rclone(env, *args):
    # No retries: rclone's default three attempts hid most of the refusals behind a retry.
    proc = subprocess.run(["rclone", *args, "--transfers", "4", "--retries", "1",
                           "--low-level-retries", "1", "--contimeout", "10s", "--timeout", "30s",
                           "-v"], capture_output=True, text=True, env=env, timeout=90)
    assert proc.returncode == 0 and "ERROR" not in proc.stderr, f"rclone {args}:\n{proc.stderr}"


@pytest.mark.parametrize("mode", ["explicit", "implicit", "explicit-tls12"],
                         ids=["explicit", "implicit", "explicit-tls12"])
def test_rclone_copy_with_parallel_transfers_five_times(alice, tmp_path, mode):
    src = tmp_path / "src"
    make_tree(src)
    expected = tree(src)
    assert len(expected) == FILES
    port = alice.ftps_port if mode == "implicit" else alice.ftp_port
    env = rclone_env(tmp_path, port, mode)
    for run in range(RUNS):
        rclone(env, "copy", str(src), f"t:run{run}")
        assert tree(alice.files("alice") / f"run{run}") == expected, f"upload {run}"
        back = tmp_path / f"back{run}"
        rclone(env, "copy", f"t:run{run}", str(back))
        assert tree(back) == expected, f"download {run}"


def control_before_login(server, implicit):
    """A TLS control connection that has read a reply after its handshake (so any ticket sent
    with the handshake has been processed) and has not logged in."""
    ctx = tls_context()
    raw = socket.create_connection(("127.0.0.1", server.ftps_port if implicit else
                                    server.ftp_port), timeout=20)
    if not implicit:
        f = raw.makefile("rb")
        assert f.readline().startswith(b"220")
        raw.sendall(b"AUTH TLS\r\n")
        assert f.readline().startswith(b"234")
    tls = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    f = tls.makefile("rb")
    if implicit:
        assert f.readline().startswith(b"220")
    tls.sendall(b"USER alice\r\n")
    assert f.readline().startswith(b"331")
    return tls, f


@pytest.mark.parametrize("implicit", [False, True], ids=["explicit", "implicit"])
def test_no_tls13_ticket_before_the_login(alice, implicit):
    tls, f = control_before_login(alice, implicit)
    assert tls.version() == "TLSv1.3"
    # Before: two tickets came with the handshake, naming a connection with no user yet.
    assert not tls.session.has_ticket
    tls.sendall(f"PASS {GOOD}\r\n".encode())
    assert f.readline().startswith(b"230")
    assert tls.session.has_ticket  # came with the 230
    tls.close()

