"""Login security end to end on the HTTPS and plain HTTP listener (WebDAV and REST) with
http.client and curl: client addresses from PROXY headers (127.0.0.1 is the trusted balancer,
as in test_login_security.py), bans on those addresses, headers from peers that are not
trusted, and connections that close without a login scored as abandoned.
"""
import base64
import http.client
import json
import socket
import ssl
import subprocess
import time

import pytest

from test_login_security import (proxied, proxied_alice, read_all, wait_for_log,  # noqa: F401
                                 GB, GEOIP, GOOD, JP, SE, US, WRONG, entries,  # noqa: F401
                                 proxy_v1, proxy_v2)

LOCAL_V2 = b"\r\n\r\n\x00\r\nQUIT\n\x20\x00\x00\x00"  # the balancer's own health check


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # the node's own certificate
    return ctx


class ProxiedHTTPS(http.client.HTTPSConnection):
    """HTTPSConnection that writes a PROXY header before the TLS handshake, as a balancer does."""

    def __init__(self, port, header):
        super().__init__("127.0.0.1", port, timeout=20, context=tls_context())
        self.header = header

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        sock.sendall(self.header)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class ProxiedHTTP(http.client.HTTPConnection):
    def __init__(self, port, header):
        super().__init__("127.0.0.1", port, timeout=20)
        self.header = header

    def connect(self):
        super().connect()
        self.sock.sendall(self.header)


def header_for(ip, version):
    return proxy_v1(ip) if version == 1 else proxy_v2(ip)


def connect_from(server, ip, version=1):
    """An HTTPS connection (handshake done) whose client address is `ip`, or None when the
    server closes it before the TLS handshake (dropped at accept)."""
    conn = ProxiedHTTPS(server.https_port, header_for(ip, version))
    try:
        conn.connect()
    except (ssl.SSLError, OSError):
        conn.close()
        return None
    return conn


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def request(conn, method, path, headers=None, body=None):
    """(status, body) or None when the server closed the connection instead of answering."""
    try:
        conn.request(method, path, body=body, headers=headers or {})
        reply = conn.getresponse()
        return reply.status, reply.read()
    except (http.client.HTTPException, ssl.SSLError, OSError):
        return None


def dav(server, ip, user, password=GOOD, version=1):
    """The status of a PROPFIND by `user` from `ip` on a connection of its own, or None when the
    connection was dropped at accept."""
    conn = connect_from(server, ip, version)
    if conn is None:
        return None
    try:
        got = request(conn, "PROPFIND", "/dav/",
                      {"Authorization": basic(user, password), "Depth": "0"})
        return got and got[0]
    finally:
        conn.close()


def rest_login(server, ip, user, password=GOOD, version=1):
    conn = connect_from(server, ip, version)
    if conn is None:
        return None
    try:
        got = request(conn, "POST", "/api/v1/sessions",
                      {"Content-Type": "application/json"},
                      json.dumps({"username": user, "password": password}))
        return got and got[0]
    finally:
        conn.close()


def banned(server):
    return {b["ip"] for b in server.json("ban", "list")}


def wait_for_ban(server, ip, seconds=5):
    deadline = time.time() + seconds
    while time.time() < deadline and ip not in banned(server):
        time.sleep(0.2)
    return ip in banned(server)


# --- the header's address is the client's ---

def test_logins_over_https_use_the_headers_address(proxied_alice):
    s = proxied_alice()
    s.run("site", "set", "allowed_countries=GB,SE,US", "disallowed_countries=US")
    assert dav(s, GB, "alice") == 207
    assert dav(s, SE, "alice", version=2) == 207
    assert rest_login(s, SE, "alice") == 201
    assert dav(s, US, "alice") == 403  # allowed, but the deny list wins
    assert rest_login(s, JP, "alice", version=2) == 403  # not on the allow list
    assert dav(s, "10.9.8.7", "alice", WRONG) == 401
    logins = {(e["ip"], e["interface"]) for e in entries(s, "--action", "login")}
    assert logins == {(GB, "dav"), (SE, "dav"), (SE, "restapi")}
    refused = entries(s, "--failure-type", "country_mismatch")
    assert {(e["ip"], e["interface"]) for e in refused} == {(US, "dav"), (JP, "restapi")}
    wrong = entries(s, "--failure-type", "password_mismatch")
    assert [e["ip"] for e in wrong] == ["10.9.8.7"]


def test_curls_own_proxy_header_is_read(proxied_alice):
    # curl --haproxy-protocol writes a v1 header naming its own address before the handshake.
    s = proxied_alice()
    proc = subprocess.run(["curl", "-sk", "--haproxy-protocol", "-u", f"alice:{GOOD}",
                           "-X", "PROPFIND", "-H", "Depth: 0", "-o", "/dev/null",
                           "-w", "%{http_code}", f"https://127.0.0.1:{s.https_port}/dav/"],
                          capture_output=True, text=True, timeout=60)
    assert proc.stdout == "207", proc
    assert entries(s, "--action", "login")[0]["ip"] == "127.0.0.1"


def test_guesses_ban_the_proxied_address_which_is_then_dropped_at_accept(proxied_alice):
    s = proxied_alice()
    attacker = "203.0.113.5"
    conn = connect_from(s, attacker)
    replies = [request(conn, "PROPFIND", "/dav/", {"Authorization": basic(name, "123456")})
               for name in ["root", "oracle", "test"]]  # the third closes the connection
    conn.close()
    assert [r[0] for r in replies] == [401, 401, 401]
    assert rest_login(s, attacker, "ubuntu", "123456", version=2) == 401
    assert dav(s, attacker, "postgres", "123456") == 401  # the fifth unknown name bans
    assert dav(s, attacker, "alice") is None  # closed before the TLS handshake
    assert rest_login(s, attacker, "alice", version=2) is None
    assert dav(s, GB, "alice") == 207  # everyone else still gets in
    assert banned(s) == {attacker}
    assert len(entries(s, "--failure-type", "username_not_found", "--ip", attacker)) == 5
    limited = entries(s, "--failure-type", "rate_limited", "--ip", attacker)
    assert len(limited) == 1 and limited[0]["interface"] == "restapi", limited


def test_a_blocked_proxied_address_is_dropped_at_accept(proxied_alice):
    s = proxied_alice()
    s.run("iplist", "add", "block", "216.160.83.0/24")
    assert dav(s, US, "alice") is None
    assert dav(s, US, "alice", version=2) is None
    assert len(entries(s, "--failure-type", "rate_limited", "--ip", US)) == 1
    assert dav(s, GB, "alice") == 207


# --- who may send a header ---

def test_a_trusted_peer_must_send_a_valid_header(proxied_alice):
    s = proxied_alice()
    # A TLS client without a header: its ClientHello is no PROXY header.
    plain = http.client.HTTPSConnection("127.0.0.1", s.https_port, timeout=20,
                                        context=tls_context())
    with pytest.raises((ssl.SSLError, OSError)):
        plain.connect()
    plain.close()
    # A malformed header, and silence (closed after the 3 s wait), on both ports.
    for port in (s.https_port, s.http_port):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"PROXY TCP4 81.2.69 127.0.0.1 1 443\r\n")
        assert read_all(sock) == b""
        sock.close()
    start = time.monotonic()
    sock = socket.create_connection(("127.0.0.1", s.https_port), timeout=10)
    assert read_all(sock) == b""
    assert 2 < time.monotonic() - start < 8
    sock.close()
    # The line may follow the close by a moment: wait for the last one.
    text = wait_for_log(s, "no complete PROXY header within 3000 ms")
    assert "http: 127.0.0.1: closed: trusted proxy sent no valid PROXY header" in text
    assert "no complete PROXY header within 3000 ms" in text

    # A v2 LOCAL header (the balancer's health check) keeps the balancer's address.
    conn = ProxiedHTTPS(s.https_port, LOCAL_V2)
    assert request(conn, "GET", "/")[0] == 200
    assert request(conn, "PROPFIND", "/dav/",
                   {"Authorization": basic("alice", GOOD), "Depth": "0"})[0] == 207
    conn.close()
    assert entries(s, "--action", "login")[0]["ip"] == "127.0.0.1"
    # The plain HTTP listener reads headers too.
    s.run("user", "set", "alice", "ssl_required=never_require")
    conn = ProxiedHTTP(s.http_port, proxy_v2(SE))
    assert request(conn, "PROPFIND", "/dav/",
                   {"Authorization": basic("alice", GOOD), "Depth": "0"})[0] == 207
    conn.close()
    assert entries(s, "--action", "login")[0]["ip"] == SE


@pytest.mark.parametrize("listener", ["https", "http"])
@pytest.mark.parametrize("version", [1, 2])
def test_an_untrusted_peers_header_closes_the_connection(server, listener, version):
    # Nobody is trusted: a header is an attempt to forge an address.
    server.add_user("alice")
    port = server.https_port if listener == "https" else server.http_port
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    auth = basic("alice", GOOD)
    sock.sendall(header_for(GB, version) +
                 f"GET /dav/ HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n\r\n".encode())
    assert read_all(sock) == b""  # no reply, just the close
    sock.close()
    text = wait_for_log(server, "not in proxy.trusted")
    assert "http: 127.0.0.1: closed: PROXY protocol header from a peer not in proxy.trusted" in text
    assert entries(server, "--ip", GB) == []
    assert entries(server, "--action", "login") == []


def test_plain_http_waits_for_enough_bytes_to_tell_a_header_from_a_request(server):
    # "P" may begin "PUT" or "PROXY ": the listener decides only when the bytes tell.
    sock = socket.create_connection(("127.0.0.1", server.http_port), timeout=10)
    sock.sendall(b"P")
    time.sleep(0.3)
    sock.sendall(b"UT /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                 b"Connection: close\r\n\r\n")
    assert read_all(sock).startswith(b"HTTP/1.1 404 ")
    sock.close()
    sock = socket.create_connection(("127.0.0.1", server.http_port), timeout=10)
    sock.sendall(b"PROX")
    time.sleep(0.3)
    sock.sendall(proxy_v1(GB)[4:] + b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert read_all(sock) == b""
    sock.close()
    assert "not in proxy.trusted" in wait_for_log(server, "not in proxy.trusted")


# --- connections that never log in ---

def test_connections_that_never_log_in_get_the_address_banned(proxied_alice):
    s = proxied_alice()
    scanner = "198.51.100.9"
    for i in range(20):  # one point each; a ban at 20
        kind = i % 5
        if kind == 0:  # the header, then nothing: no TLS handshake
            sock = socket.create_connection(("127.0.0.1", s.https_port), timeout=10)
            sock.sendall(proxy_v1(scanner))
            sock.close()
            continue
        conn = connect_from(s, scanner, version=1 + i % 2)
        assert conn is not None, i
        if kind == 2:  # an anonymous route: not a login
            assert request(conn, "GET", "/api/v1/openapi.json")[0] == 200
        elif kind == 3:  # a challenge it never answered
            assert request(conn, "PROPFIND", "/dav/")[0] == 401
        elif kind == 4:  # a made-up session token costs the gate nothing: no login either
            assert request(conn, "GET", "/api/v1/me", {"X-FilesAPI-Auth": "x" * 43})[0] == 401
        conn.close()  # kind 1: the TLS handshake, then nothing
    assert wait_for_ban(s, scanner), s.json("ban", "list")
    assert connect_from(s, scanner) is None
    assert entries(s, "--ip", scanner, "--action", "failedlogin")[0]["failure_type"] == \
        "rate_limited"


def test_connections_that_logged_in_are_not_scored(proxied_alice):
    s = proxied_alice()
    user_ip = "192.0.2.50"
    key = s.json("apikey", "create", "alice", "--name", "nightly")["key"]
    token = None
    for i in range(24):  # more than a ban's worth of connections, each its own
        conn = connect_from(s, user_ip, version=1 + i % 2)
        kind = i % 4
        if kind == 0:
            got = request(conn, "PROPFIND", "/dav/",
                          {"Authorization": basic("alice", GOOD), "Depth": "0"})
            assert got[0] == 207
        elif kind == 1:
            assert request(conn, "GET", "/api/v1/me", {"X-FilesAPI-Key": key})[0] == 200
        elif kind == 2:
            status, body = request(conn, "POST", "/api/v1/sessions",
                                   {"Content-Type": "application/json"},
                                   json.dumps({"username": "alice", "password": GOOD}))
            assert status == 201
            token = json.loads(body)["id"]
        else:
            assert request(conn, "GET", "/api/v1/me", {"X-FilesAPI-Auth": token})[0] == 200
        conn.close()
    time.sleep(1)  # the reports run on the login pool
    assert banned(s) == set()
    assert dav(s, user_ip, "alice") == 207


def test_connections_open_when_the_server_stops_are_not_scored(proxied_alice):
    s = proxied_alice()
    scanner = "198.51.100.10"
    conns = [connect_from(s, scanner) for _ in range(20)]
    assert all(conns)
    s.stop()
    for c in conns:
        c.close()
    s.start()
    assert scanner not in banned(s)
    assert dav(s, scanner, "alice") == 207
