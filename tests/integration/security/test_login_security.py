"""Login security end to end over SFTP: countries, regions, user lockout, brute-force bans and
the PROXY protocol, against the real binary with paramiko.

Clients reach the server from 127.0.0.1 and name their address in a PROXY header (127.0.0.1
is the trusted balancer here); the addresses are those of MaxMind's test database, whose JSON
says which country each is in. No traffic ever goes to them.
"""
import pathlib
import socket
import struct
import time

import paramiko
import pytest

GOOD = "Correct-Horse-9-Battery"
WRONG = "Wrong-Horse-9-Battery"
ROOT = pathlib.Path(__file__).resolve().parents[3]
GEOIP = ROOT.parent / "shared" / "testdata" / "geoip" / "GeoIP2-Country-Test.mmdb"

GB, US, SE, JP = "81.2.69.142", "216.160.83.58", "89.160.20.115", "2001:218::1"


def proxy_v1(ip, port=40000):
    v6 = ":" in ip
    return (f"PROXY {'TCP6' if v6 else 'TCP4'} {ip} {'::1' if v6 else '127.0.0.1'} "
            f"{port} 22\r\n").encode()


def proxy_v2(ip, port=40000):
    family, af = (0x21, socket.AF_INET6) if ":" in ip else (0x11, socket.AF_INET)
    body = (socket.inet_pton(af, ip) + socket.inet_pton(af, "::1" if ":" in ip else "127.0.0.1")
            + struct.pack("!HH", port, 22))
    return b"\r\n\r\n\x00\r\nQUIT\n" + bytes([0x21, family]) + struct.pack("!H", len(body)) + body


def transport_from(server, ip, version=1):
    """An SSH transport whose client address is `ip` (a PROXY header written first), or None
    when the server closes the connection before the SSH handshake (a ban)."""
    sock = socket.create_connection(("127.0.0.1", server.sftp_port), timeout=10)
    sock.sendall(proxy_v1(ip) if version == 1 else proxy_v2(ip))
    t = paramiko.Transport(sock)
    try:
        t.start_client(timeout=10)
    except (paramiko.SSHException, EOFError, OSError):
        t.close()
        return None
    return t


def login(server, ip, user, password=GOOD, version=1):
    """True (logged in), False (refused) or None (dropped before the handshake)."""
    t = transport_from(server, ip, version)
    if t is None:
        return None
    try:
        t.auth_password(user, password)
        return t.is_authenticated()
    except paramiko.AuthenticationException:
        return False
    except (paramiko.SSHException, EOFError):
        return None
    finally:
        t.close()


@pytest.fixture
def proxied(server_with):
    """A server that trusts 127.0.0.1 as its load balancer and knows the test countries."""
    if not GEOIP.exists():
        pytest.skip(f"{GEOIP} is missing (the shared test data beside the repository)")
    return lambda: server_with(
        f'\n[geoip]\ndatabase = "{GEOIP}"\n[proxy]\ntrusted = "127.0.0.1/32"\n')


@pytest.fixture
def proxied_alice(proxied):
    """As `proxied`, with the user alice and her folder."""
    def start():
        s = proxied()
        s.add_user("alice")
        s.files("alice").mkdir(parents=True, exist_ok=True)
        return s
    return start


def wait_for_log(server, text, seconds=5):
    """The server's log once `text` is in it (or after `seconds`)."""
    deadline = time.time() + seconds
    while time.time() < deadline and text not in server.log_file.read_text():
        time.sleep(0.1)
    return server.log_file.read_text()


def read_all(sock):
    """Everything a peer sends until it closes (a reset counts as the close)."""
    got = b""
    try:
        while chunk := sock.recv(4096):
            got += chunk
    except ConnectionResetError:
        pass
    return got


def entries(server, *filters):
    return server.log("--limit", "1000", *filters)


def test_countries_follow_the_site_lists(proxied):
    s = proxied()
    s.add_user("alice")
    s.run("site", "set", "allowed_countries=GB,SE,US", "disallowed_countries=US")
    assert login(s, GB, "alice") is True
    assert login(s, SE, "alice", version=2) is True
    assert login(s, US, "alice") is False  # allowed, but the deny list wins
    assert login(s, JP, "alice", version=2) is False  # not on the allow list
    assert login(s, "10.9.8.7", "alice") is True  # private: never country-checked

    refused = entries(s, "--failure-type", "country_mismatch")
    assert {e["ip"] for e in refused} == {US, JP}
    us = next(e for e in refused if e["ip"] == US)
    assert us["username"] == "alice" and us["interface"] == "sftp"
    assert "is in US" in us["detail"]
    # The addresses from the PROXY headers are the ones logged for successes too.
    assert {e["ip"] for e in entries(s, "--action", "login")} >= {GB, SE}


def test_region_mismatch_names_the_site_hostname(proxied):
    s = proxied()
    s.add_user("alice")
    s.run("site", "set", "site_hostname=files.example.com", "allowed_region=eu-central", "--yes")
    assert login(s, GB, "alice") is False
    e = entries(s, "--failure-type", "region_mismatch")[0]
    text = e["detail"]
    assert "Your account must login using a different server, https://files.example.com." in text
    # A HIPAA site must name one region; the CLI says so and changes nothing.
    bad = s.run("site", "set", "allowed_region=all", "hipaa=true", check=False)
    assert bad.returncode != 0 and "HIPAA" in bad.stderr
    s.run("site", "set", "hipaa=true", "allowed_region=test-region")
    assert login(s, GB, "alice") is True


def test_lockout_then_unlock(proxied):
    s = proxied()
    s.add_user("alice")
    # Six mistakes from six addresses: the lock is the account's, not an address's.
    for i in range(6):
        assert login(s, f"192.0.2.{10 + i}", "alice", WRONG) is False
    assert login(s, GB, "alice") is False  # right password, locked
    shown = s.json("user", "show", "alice")
    assert shown["locked_out"] is True and shown["lockout_expires"]
    locked = entries(s, "--failure-type", "locked_out")
    assert locked and locked[0]["ip"] == GB
    assert any("now locked out until" in e["detail"]
               for e in entries(s, "--failure-type", "password_mismatch"))

    s.run("user", "unlock", "alice")
    assert s.json("user", "show", "alice")["locked_out"] is False
    assert login(s, GB, "alice") is True


def test_dictionary_attack_bans_attackers_not_the_user(proxied):
    s = proxied()
    s.add_user("alice")
    attackers = ["203.0.113.5", "203.0.113.6", "198.51.100.77"]
    names = ["root", "administrator", "oracle", "test", "ubuntu", "postgres", "git", "ftp"]
    outcomes = {ip: [] for ip in attackers}
    for name in names:  # bounded: 3 addresses x 8 names
        for ip in attackers:
            outcomes[ip].append(login(s, ip, name, "123456"))
        assert login(s, GB, "alice") is True  # the user, from elsewhere, all along
    for ip in attackers:
        # Five unknown names reach the server; every later connection is dropped at accept.
        assert outcomes[ip][:5] == [False] * 5, outcomes[ip]
        assert outcomes[ip][5:] == [None] * 3, (ip, outcomes[ip], [(e["username"], e["failure_type"], e["detail"]) for e in entries(s, "--ip", ip)])
        limited = entries(s, "--failure-type", "rate_limited", "--ip", ip)
        assert len(limited) == 1, limited  # once per ban, not once per connection
        assert "banned" in limited[0]["detail"]
    bans = {b["ip"]: b for b in s.json("ban", "list")}
    assert set(bans) == set(attackers)
    assert all(b["refusals"] == 3 and b["offences"] == 1 for b in bans.values())

    s.run("ban", "lift", attackers[0])
    assert login(s, attackers[0], "alice") is True
    assert attackers[0] not in {b["ip"] for b in s.json("ban", "list")}


def guess_until_closed(s, ip, first, limit=10):
    """Password guesses on one connection until the server closes it; how many were sent."""
    t = transport_from(s, ip)
    tries = 0
    while t.is_active() and tries < limit:  # bounded
        tries += 1
        try:
            t.auth_password(f"guess{first + tries}", "123456")
        except (paramiko.AuthenticationException, paramiko.SSHException, EOFError):
            pass
    t.close()
    return tries


def test_a_connection_ends_after_three_failed_logins(proxied):
    s = proxied()
    # Three failures, then the close the client sees (docs/login-gate.md#per-connection-cap).
    assert guess_until_closed(s, "203.0.113.76", 0) <= 4
    entries_ = entries(s, "--failure-type", "username_not_found", "--ip", "203.0.113.76")
    assert len(entries_) == 3
    assert "the connection is closed after 3 failed logins" in entries_[0]["detail"]


def test_a_ban_ends_the_connection_it_began_on(proxied):
    s = proxied()
    guess_until_closed(s, "203.0.113.77", 0)  # three, and the cap closes it
    # The fifth failure bans; the next guess is refused as banned and the connection ends.
    tries = guess_until_closed(s, "203.0.113.77", 3)
    assert tries <= 4, tries  # two guesses, the refusal, and the close seen by the client
    assert len(entries(s, "--failure-type", "username_not_found", "--ip", "203.0.113.77")) == 5
    assert len(entries(s, "--failure-type", "rate_limited", "--ip", "203.0.113.77")) == 1


def test_block_and_safe_lists(proxied):
    s = proxied()
    s.add_user("alice")
    s.run("iplist", "add", "block", "216.160.83.0/24", "--note", "abuse")
    s.run("iplist", "add", "safe", "89.160.20.0/24")
    assert login(s, US, "alice") is None
    assert login(s, US, "alice") is None
    assert len(entries(s, "--failure-type", "rate_limited", "--ip", US)) == 1
    for name in ["root", "administrator", "oracle", "test", "ubuntu", "postgres"]:
        assert login(s, SE, name, "x") is False  # safe: scored never, banned never
    assert login(s, SE, "alice") is True
    lists = s.json("iplist", "list")
    assert {(e["list"], e["cidr"]) for e in lists} == {("block", "216.160.83.0/24"),
                                                       ("safe", "89.160.20.0/24")}
    s.run("iplist", "remove", "block", "216.160.83.0/24")
    assert login(s, US, "alice") is True


def test_restart_keeps_bans_and_locks(proxied):
    s = proxied()
    s.add_user("alice")
    s.add_user("bob")
    for name in ["root", "administrator", "oracle", "test", "ubuntu"]:
        login(s, "203.0.113.9", name, "x")
    for i in range(6):
        login(s, f"192.0.2.{40 + i}", "bob", WRONG)
    assert login(s, "203.0.113.9", "alice") is None
    s.stop()
    s.start()
    assert login(s, "203.0.113.9", "alice") is None
    assert login(s, GB, "bob") is False
    assert entries(s, "--failure-type", "locked_out", "--username", "bob")
    assert login(s, GB, "alice") is True


def test_a_proxy_header_from_an_untrusted_peer_closes_the_connection(server):
    # The plain server trusts nobody: a header is an attempt to forge an address.
    sock = socket.create_connection(("127.0.0.1", server.sftp_port), timeout=10)
    sock.sendall(proxy_v1(GB))
    sock.settimeout(10)
    got = read_all(sock)
    sock.close()
    assert b"SSH-2.0" not in got or b"\n" in got  # closed (perhaps after our banner)
    deadline = time.time() + 5
    while time.time() < deadline and "PROXY" not in server.log_file.read_text():
        time.sleep(0.1)
    assert "PROXY" in server.log_file.read_text()


def test_a_trusted_peer_must_send_a_valid_header(proxied):
    s = proxied()
    s.add_user("alice")
    plain = paramiko.Transport(("127.0.0.1", s.sftp_port))
    with pytest.raises((paramiko.SSHException, EOFError, OSError)):
        plain.start_client(timeout=10)
    plain.close()
    sock = socket.create_connection(("127.0.0.1", s.sftp_port), timeout=10)
    sock.sendall(b"PROXY TCP4 81.2.69 127.0.0.1 1 22\r\n")
    sock.settimeout(10)
    assert sock.recv(100) == b""
    sock.close()
    text = s.log_file.read_text()
    assert "no valid PROXY header" in text
    assert login(s, GB, "alice") is True

    # A v2 LOCAL header (the balancer's own health check) keeps the balancer's address.
    sock = socket.create_connection(("127.0.0.1", s.sftp_port), timeout=10)
    sock.sendall(b"\r\n\r\n\x00\r\nQUIT\n\x20\x00\x00\x00")
    t = paramiko.Transport(sock)
    t.connect(username="alice", password=GOOD)
    assert t.is_authenticated()
    t.close()
    assert entries(s, "--action", "login")[0]["ip"] == "127.0.0.1"
