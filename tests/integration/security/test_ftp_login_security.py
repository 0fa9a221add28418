"""Login security end to end over FTPS with Python's ftplib: client addresses from PROXY headers
(127.0.0.1 is the trusted balancer, as in test_login_security.py), countries, lockout, bans,
abandoned connections, and PROXY headers from peers that are not trusted.
"""
import ftplib
import pathlib
import socket
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "ftp"))
from ftp_helpers import ReusingFTP, tls_context  # noqa: E402
from test_login_security import (proxied, proxied_alice, read_all, wait_for_log,  # noqa: F401
                                 GB, GEOIP, GOOD, JP, SE, US, WRONG, entries,  # noqa: E402
                                 proxy_v1, proxy_v2)


class ProxiedFTPS(ReusingFTP):
    """FTP_TLS that writes a PROXY header before anything else, as a load balancer would."""

    header = b""

    def connect(self, host, port):
        self.host, self.port = host, port
        self.sock = socket.create_connection((host, port), self.timeout)
        self.sock.sendall(self.header)
        self.af = self.sock.family
        self.file = self.sock.makefile("r", encoding=self.encoding)
        self.welcome = self.getresp()
        return self.welcome

    def ntransfercmd(self, cmd, rest=None):
        # The balancer relays the passive data connection with a header of its own too.
        host, port = self.makepasv()
        conn = socket.create_connection((host, port), self.timeout)
        conn.sendall(self.header)
        try:
            if rest is not None:
                self.sendcmd(f"REST {rest}")
            resp = self.sendcmd(cmd)
            if resp[0] == "2":
                resp = self.getresp()
            if resp[0] != "1":
                raise ftplib.error_reply(resp)
        except Exception:
            conn.close()
            raise
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host,
                                            session=self.sock.session)
        return conn, None


def connect_from(server, ip, version=1):
    """A control connection whose client address is `ip`, or None when the server closes it
    before its greeting (dropped at accept)."""
    f = ProxiedFTPS(context=tls_context(), timeout=20)
    f.header = proxy_v1(ip) if version == 1 else proxy_v2(ip)
    try:
        f.connect("127.0.0.1", server.ftp_port)
    except (EOFError, OSError):
        f.close()
        return None
    return f


def login(server, ip, user, password=GOOD, version=1):
    """True (logged in, and a passive listing worked), the 530 text, or None (dropped at
    accept)."""
    f = connect_from(server, ip, version)
    if f is None:
        return None
    try:
        f.auth()
        f.login(user, password)
        f.prot_p()
        f.nlst()  # the data connection comes through the balancer's address too
        return True
    except ftplib.error_perm as e:
        return str(e)
    finally:
        f.close()


def test_countries_use_the_proxied_address(proxied_alice):
    s = proxied_alice()
    s.run("site", "set", "allowed_countries=GB,SE,US", "disallowed_countries=US")
    assert login(s, GB, "alice") is True
    assert login(s, SE, "alice", version=2) is True
    us = login(s, US, "alice")
    assert us.startswith("530 Lockout Country Mismatch:"), us
    jp = login(s, JP, "alice", version=2)
    assert jp.startswith("530 Lockout Country Mismatch:"), jp
    refused = entries(s, "--failure-type", "country_mismatch")
    assert {e["ip"] for e in refused} == {US, JP}
    assert all(e["interface"] == "ftp" for e in refused)
    assert {e["ip"] for e in entries(s, "--action", "login")} >= {GB, SE}


def test_lockout_uses_the_proxied_address(proxied_alice):
    s = proxied_alice()
    for i in range(6):
        assert login(s, f"192.0.2.{10 + i}", "alice", WRONG).startswith("530 ")
    locked = login(s, GB, "alice")
    assert locked.startswith("530 Locked Out:"), locked
    e = entries(s, "--failure-type", "locked_out")[0]
    assert e["ip"] == GB and e["interface"] == "ftp"


def test_a_ban_shows_in_the_530_then_drops_at_accept(proxied_alice):
    s = proxied_alice()
    attacker = "203.0.113.5"
    f = connect_from(s, attacker)
    f.auth()
    replies = []
    for name in ["root", "oracle", "test"]:  # the server closes after three failures
        with pytest.raises(ftplib.error_perm) as e:
            f.login(name, "123456")
        replies.append(str(e.value))
    f.close()
    f = connect_from(s, attacker, version=2)
    f.auth()
    for name in ["ubuntu", "postgres", "git"]:  # the fifth unknown name bans
        with pytest.raises(ftplib.error_perm) as e:
            f.login(name, "123456")
        replies.append(str(e.value))
    f.close()
    assert all(r.startswith("530 ") for r in replies)
    assert replies[-1].startswith("530 Too Many Login Attempts:"), replies
    assert login(s, attacker, "alice") is None  # dropped before the greeting
    assert login(s, GB, "alice") is True  # everyone else still gets in
    limited = entries(s, "--failure-type", "rate_limited", "--ip", attacker)
    assert len(limited) == 1 and limited[0]["interface"] == "ftp", limited
    assert len(entries(s, "--failure-type", "username_not_found", "--ip", attacker)) == 5
    assert {b["ip"] for b in s.json("ban", "list")} == {attacker}


def test_a_blocked_address_is_dropped_at_accept(proxied_alice):
    s = proxied_alice()
    s.run("iplist", "add", "block", "216.160.83.0/24")
    assert login(s, US, "alice") is None
    assert login(s, US, "alice", version=2) is None
    assert len(entries(s, "--failure-type", "rate_limited", "--ip", US)) == 1
    assert "refused 216.160.83.58 at accept" in s.log_file.read_text()


def test_abandoned_connections_are_scored(proxied_alice):
    s = proxied_alice()
    scanner = "198.51.100.9"
    for _ in range(20):  # one point each; a ban at 20
        f = connect_from(s, scanner)
        assert f is not None
        f.quit()
    deadline = time.time() + 5
    while time.time() < deadline and scanner not in {b["ip"] for b in s.json("ban", "list")}:
        time.sleep(0.2)
    assert scanner in {b["ip"] for b in s.json("ban", "list")}
    assert connect_from(s, scanner) is None


def test_a_trusted_peer_must_send_a_valid_header(proxied_alice):
    s = proxied_alice()
    # No header: the greeting never comes; the server closes after its 3 s wait.
    f = ftplib.FTP(timeout=20)
    with pytest.raises(EOFError):
        f.connect("127.0.0.1", s.ftp_port)
    f.close()
    sock = socket.create_connection(("127.0.0.1", s.ftp_port), timeout=10)
    sock.sendall(b"PROXY TCP4 81.2.69 127.0.0.1 1 21\r\n")
    assert sock.recv(100) == b""
    sock.close()
    assert "ftp: 127.0.0.1: closed: trusted proxy sent no valid PROXY header" in \
        wait_for_log(s, "no valid PROXY header")
    # A v2 LOCAL header (the balancer's health check) keeps the balancer's address.
    f = ProxiedFTPS(context=tls_context(), timeout=20)
    f.header = b"\r\n\r\n\x00\r\nQUIT\n\x20\x00\x00\x00"
    f.connect("127.0.0.1", s.ftp_port)
    f.auth()
    f.login("alice", GOOD)
    f.quit()
    assert entries(s, "--action", "login")[0]["ip"] == "127.0.0.1"


@pytest.mark.parametrize("header", [proxy_v1(GB), proxy_v2(GB)], ids=["v1", "v2"])
def test_an_untrusted_peers_header_closes_the_control_connection(server, header):
    # Nobody is trusted: the server greets, and a header instead of a command ends it.
    sock = socket.create_connection(("127.0.0.1", server.ftp_port), timeout=10)
    assert sock.recv(100).startswith(b"220 ")
    sock.sendall(header)
    assert read_all(sock) == b""  # no reply to it, just the close
    sock.close()
    text = wait_for_log(server, "not in proxy.trusted")
    assert "ftp: 127.0.0.1: closed: PROXY protocol header from a peer not in proxy.trusted" in text
    assert entries(server, "--ip", GB) == []


def test_an_untrusted_peers_header_closes_implicit_ftps(server):
    # Implicit FTPS: the client speaks first; a header in place of the TLS handshake.
    sock = socket.create_connection(("127.0.0.1", server.ftps_port), timeout=10)
    sock.sendall(proxy_v1(GB))
    assert read_all(sock) == b""
    sock.close()
    assert "not in proxy.trusted" in wait_for_log(server, "not in proxy.trusted")


def timed_login(server, ip, user, password):
    """(530 text or True, seconds the USER/PASS exchange took)."""
    f = connect_from(server, ip)
    f.auth()
    start = time.monotonic()
    try:
        f.login(user, password)
        result = True
    except ftplib.error_perm as e:
        result = str(e)
    elapsed = time.monotonic() - start
    f.close()
    return result, elapsed


def test_a_locked_account_answers_a_guess_like_an_unknown_name(proxied_alice, monkeypatch):
    # A real hashing cost, so that a refusal without hashing would stand out.
    monkeypatch.setenv("DRAWBRIDGE_PBKDF2_ITERATIONS", "200000")
    s = proxied_alice()
    for i in range(6):
        assert login(s, f"192.0.2.{10 + i}", "alice", WRONG).startswith("530 ")
    assert s.json("user", "show", "alice")["lockout_expires"]
    guesses, unknown = [], []
    for _ in range(3):
        text, t = timed_login(s, GB, "alice", WRONG)
        assert text.startswith("530 Invalid Username Or Password"), text
        guesses.append(t)
        text, t = timed_login(s, GB, "nobody", WRONG)
        assert text.startswith("530 Invalid Username Or Password"), text
        unknown.append(t)
    g, u = sorted(guesses)[1], sorted(unknown)[1]
    assert 0.5 < g / u < 2, (guesses, unknown)
    # The log keeps the truth; the holder of the password is told.
    e = entries(s, "--username", "alice", "--failure-type", "locked_out")[0]
    assert "the credential given was wrong too" in e["detail"]
    text, _ = timed_login(s, GB, "alice", GOOD)
    assert text.startswith("530 Locked Out:"), text


def test_lockout_scope_address_locks_only_the_guessing_address(proxied_alice):
    s = proxied_alice()
    s.run("site", "set", "user_lockout_scope=address")
    attacker = "192.0.2.10"
    for _ in range(6):
        assert login(s, attacker, "alice", WRONG).startswith("530 ")
    assert s.json("user", "show", "alice")["lockout_expires"] in (None, "")
    assert login(s, attacker, "alice").startswith("530 Locked Out:")
    e = entries(s, "--failure-type", "locked_out")[0]
    assert e["ip"] == attacker and f"from {attacker}" in e["detail"]
    # The user, from elsewhere, logs in; that success does not forgive the attacker.
    assert login(s, GB, "alice") is True
    assert login(s, attacker, "alice").startswith("530 Locked Out:")
    s.run("user", "unlock", "alice")
    assert login(s, attacker, "alice") is True
    s.run("site", "set", "user_lockout_scope=user")
    assert "user_lockout_scope" in s.run("site", "show").stdout
    bad = s.run("site", "set", "user_lockout_scope=everywhere", check=False)
    assert bad.returncode != 0 and "user_lockout_scope" in bad.stderr
