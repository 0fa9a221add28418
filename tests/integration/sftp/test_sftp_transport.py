"""The SSH transport around SFTP: refusals before the handshake, the banner with safe reasons,
the legacy-algorithm opt-in, idle timeouts and keepalives, and many sessions on one worker."""
import socket
import threading
import time

import paramiko
import pytest

GOOD = "Correct-Horse-9-Battery"


def connect(server, user, password=GOOD):
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect()
    t.auth_password(user, password)
    return t


def first_bytes(port):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        try:
            return s.recv(64)
        except ConnectionResetError:
            return b""


def test_an_address_no_allow_list_admits_is_refused_before_the_handshake(server):
    assert first_bytes(server.sftp_port).startswith(b"SSH-2.0-")
    server.run("site", "set", "allowed_ips=10.0.0.0/8")
    assert first_bytes(server.sftp_port) == b""
    entry = server.log("--action", "failedlogin", "--interface", "sftp")[0]
    assert entry["failure_type"] == "ip_mismatch" and entry["username"] == ""
    assert "before the handshake" in entry["detail"]
    # A user whose own list holds the address makes the handshake worth having again.
    server.add_user("roamer")
    server.run("user", "set", "roamer", "allowed_ips=127.0.0.1/32")
    assert first_bytes(server.sftp_port).startswith(b"SSH-2.0-")
    t = connect(server, "roamer")
    assert t.is_authenticated()
    t.close()


def test_safe_reasons_reach_the_client_in_a_banner_only_when_the_site_allows(server):
    server.add_user("pat")
    server.run("user", "set", "pat", "require_password_change=true")
    with pytest.raises(paramiko.AuthenticationException):
        connect(server, "pat")
    server.run("site", "set", "sftp_show_failure_reasons=true")
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect()
    with pytest.raises(paramiko.AuthenticationException):
        t.auth_password("pat", GOOD)
    banner = (t.get_banner() or b"").decode()
    t.close()
    assert "Password Change Required" in banner, banner
    # A credential failure is never explained: it would tell which usernames exist.
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect()
    with pytest.raises(paramiko.AuthenticationException):
        t.auth_password("nobody", GOOD)
    assert not t.get_banner()
    t.close()
    types = [e["failure_type"] for e in server.log("--action", "failedlogin")]
    assert types[:3] == ["username_not_found", "password_change_required",
                         "password_change_required"]


def cbc_only_transport(server):
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.get_security_options().ciphers = ("aes128-cbc",)
    return t


def test_legacy_ciphers_only_when_the_site_opts_in(server):
    server.add_user("old")
    t = cbc_only_transport(server)
    with pytest.raises(paramiko.SSHException):
        t.connect()
    t.close()
    server.run("site", "set", "sftp_insecure_ciphers=true")
    t = cbc_only_transport(server)
    t.connect()
    t.auth_password("old", GOOD)
    assert t.is_authenticated() and t.remote_cipher == "aes128-cbc"
    t.close()


@pytest.fixture
def short_idle_server(server_with):
    return server_with("idle_timeout = 5\nworkers = 1\n")


def test_idle_sessions_close_and_keepalives_keep_them_open(short_idle_server):
    server = short_idle_server
    server.add_user("idle")
    quiet = connect(server, "idle")
    paramiko.SFTPClient.from_transport(quiet)
    alive = connect(server, "idle")
    sftp = paramiko.SFTPClient.from_transport(alive)
    alive.set_keepalive(1)
    deadline = time.time() + 12
    while time.time() < deadline and quiet.is_active():
        time.sleep(0.2)
    assert not quiet.is_active()
    assert alive.is_active() and sftp.listdir("/") == []
    alive.close()


def test_many_sessions_share_one_worker(server_with):
    server = server_with("workers = 1\n")
    server.add_user("many")
    errors = []

    def one(i):
        try:
            t = connect(server, "many")
            sftp = paramiko.SFTPClient.from_transport(t)
            data = bytes([i]) * (256 * 1024 + i)
            with sftp.open(f"/f{i}", "w") as f:
                f.write(data)
            assert sftp.open(f"/f{i}").read() == data
            t.close()
        except Exception as e:  # reported below with the session's number
            errors.append((i, repr(e)))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(24)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert errors == []
    assert len(list(server.files("many").iterdir())) == 24
