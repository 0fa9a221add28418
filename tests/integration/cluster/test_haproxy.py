"""A node behind a real HAProxy (docs/cluster.md#haproxy): every listener — SFTP, FTP control and
passive data, FTPS, HTTPS — gets PROXY protocol v2 from the balancer, and the client's address
reaches the gate and the action log. The node listens on 127.0.0.3 and trusts 127.0.0.1 (the
balancer's source); clients connect to the balancer from 127.0.0.2, so the address in the log can
only have come from HAProxy's header. Bans need an address the gate scores (loopback never is):
a frontend that claims 203.0.113.9 for its clients (`set_src`) plays an attacker from outside.
"""
import ftplib
import hashlib
import io
import os
import pathlib
import socket
import subprocess
import sys
import time

import paramiko
import pytest

HERE = pathlib.Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2] / "fixtures"))
sys.path.insert(0, str(HERE.parents[1] / "ftp"))
from haproxy import HAProxy, free_port_range  # noqa: E402
from ftp_helpers import ReusingFTP, tls_context, GOOD  # noqa: E402

CLIENT = "127.0.0.2"
NODE = "127.0.0.3"
OUTSIDER = "203.0.113.9"


@pytest.fixture
def behind_haproxy(server_with, tmp_path):
    """A node on 127.0.0.3 with alice, and HAProxy relaying each of its listeners."""
    lo, hi = free_port_range(8)
    s = server_with(ftp_extra=f'passive_port_min = {lo}\npassive_port_max = {hi}\n'
                    'passive_address = "127.0.0.1"\n',
                    extra='[proxy]\ntrusted = "127.0.0.1/32"\n', address=NODE)
    s.add_user("alice")
    s.files("alice").mkdir(parents=True, exist_ok=True)
    lb = HAProxy(tmp_path)
    ports = {
        "sftp": lb.tcp("sftp", [(NODE, s.sftp_port)]),
        "ftp": lb.tcp("ftp", [(NODE, s.ftp_port)]),
        "ftps": lb.tcp("ftps", [(NODE, s.ftps_port)]),
        "https": lb.tcp("https", [(NODE, s.https_port)]),
        "sftp_outsider": lb.tcp("sftp_outsider", [(NODE, s.sftp_port)], set_src=OUTSIDER),
        "ftp_outsider": lb.tcp("ftp_outsider", [(NODE, s.ftp_port)], set_src=OUTSIDER),
    }
    lb.tcp("passive", [(NODE, None)], port_range=(lo, hi))
    lb.start()
    yield s, ports
    lb.stop()


def sftp_transport(port, source=CLIENT):
    sock = socket.create_connection(("127.0.0.1", port), timeout=20, source_address=(source, 0))
    t = paramiko.Transport(sock)
    t.start_client(timeout=20)
    return t


def ftps_client(port, source=CLIENT):
    f = ReusingFTP(context=tls_context(), timeout=20, source_address=(source, 0))
    f.connect("127.0.0.1", port)
    f.auth()
    return f


def entries(s, *filters):
    return s.log("--limit", "1000", *filters)


def test_sftp_through_haproxy_logs_the_client_address(behind_haproxy):
    s, ports = behind_haproxy
    t = sftp_transport(ports["sftp"])
    t.auth_password("alice", GOOD)
    sftp = paramiko.SFTPClient.from_transport(t)
    data = os.urandom(300_000)
    sftp.putfo(io.BytesIO(data), "/via-lb.bin")
    assert sftp.open("/via-lb.bin").read() == data
    t.close()
    login = entries(s, "--action", "login", "--interface", "sftp")
    assert [e["ip"] for e in login] == [CLIENT]
    assert {e["ip"] for e in entries(s, "--action", "create") if e["path"] == "/via-lb.bin"} == {CLIENT}


def test_ftps_control_and_passive_data_through_haproxy(behind_haproxy):
    s, ports = behind_haproxy
    f = ftps_client(ports["ftp"])
    f.login("alice", GOOD)
    f.prot_p()
    data = os.urandom(2 * 1024 * 1024 + 17)
    f.storbinary("STOR big.bin", io.BytesIO(data))
    got = io.BytesIO()
    f.retrbinary("RETR big.bin", got.write)
    assert hashlib.sha256(got.getvalue()).digest() == hashlib.sha256(data).digest()
    assert f.nlst() == ["big.bin"]
    f.quit()
    assert {e["ip"] for e in entries(s, "--action", "login", "--interface", "ftp")} == {CLIENT}
    assert {e["ip"] for e in entries(s, "--action", "create") if e["path"] == "/big.bin"} == {CLIENT}


def test_implicit_ftps_through_haproxy(behind_haproxy):
    s, ports = behind_haproxy

    class Implicit(ReusingFTP):
        def connect(self, host, port):
            self.host, self.port = host, port
            raw = socket.create_connection((host, port), self.timeout,
                                           source_address=(CLIENT, 0))
            self.sock = self.context.wrap_socket(raw, server_hostname=host)
            self.af = self.sock.family
            self.file = self.sock.makefile("r", encoding=self.encoding)
            self.welcome = self.getresp()
            return self.welcome

    f = Implicit(context=tls_context(), timeout=20, source_address=(CLIENT, 0))
    f.connect("127.0.0.1", ports["ftps"])
    f.login("alice", GOOD)
    f.prot_p()
    f.storbinary("STOR small.txt", io.BytesIO(b"implicit\n"))
    f.quit()
    assert (s.files("alice") / "small.txt").read_bytes() == b"implicit\n"
    assert {e["ip"] for e in entries(s, "--action", "login", "--interface", "ftp")} == {CLIENT}


def test_another_client_cannot_take_a_passive_port_through_the_balancer(behind_haproxy):
    """Clients share the balancer's address: the data connection's own PROXY header is what
    tells them apart, so another client reaching the same passive port is refused."""
    s, ports = behind_haproxy
    f = ftps_client(ports["ftp"])
    f.login("alice", GOOD)
    f.prot_p()
    host, port = f.makepasv()
    # Both reach the passive port through the balancer before the transfer starts; the node
    # takes them in turn once NLST asks for the data connection.
    thief = socket.create_connection((host, port), timeout=10, source_address=("127.0.0.4", 0))
    conn = socket.create_connection((host, port), timeout=10, source_address=(CLIENT, 0))
    resp = f.sendcmd("NLST")
    assert resp.startswith("150"), resp
    try:
        assert thief.recv(100) == b""  # closed unanswered
    except ConnectionResetError:
        pass
    thief.close()
    deadline = time.time() + 5
    while time.time() < deadline and "relayed by" not in s.log_file.read_text():
        time.sleep(0.1)
    assert ("refused a data connection relayed by 127.0.0.1 meant for 127.0.0.2: its PROXY "
            "header names 127.0.0.4") in s.log_file.read_text()
    conn = f.context.wrap_socket(conn, server_hostname="127.0.0.1", session=f.sock.session)
    assert conn.recv(100) == b""  # an empty folder
    conn.close()
    assert f.voidresp().startswith("226")
    f.quit()


def test_https_through_haproxy(behind_haproxy):
    s, ports = behind_haproxy
    url = f"https://127.0.0.1:{ports['https']}/dav/hello.txt"
    base = ["curl", "-sS", "-k", "--interface", CLIENT, "-u", f"alice:{GOOD}", "-o", "/dev/null",
            "-w", "%{http_code}"]
    put = subprocess.run(base + ["-T", "-", url], input=b"hello\n", capture_output=True,
                         timeout=30)
    assert put.stdout.decode() == "201", put.stderr
    got = subprocess.run(["curl", "-sS", "-k", "--interface", CLIENT, "-u", f"alice:{GOOD}", url],
                         capture_output=True, timeout=30)
    assert got.stdout == b"hello\n"
    assert {e["ip"] for e in entries(s, "--action", "create") if e["path"] == "/hello.txt"} == {CLIENT}
    assert {e["ip"] for e in entries(s, "--interface", "dav", "--action", "login")} <= {CLIENT}


def test_a_dictionary_attack_through_haproxy_bans_the_client_not_the_balancer(behind_haproxy):
    s, ports = behind_haproxy
    names = ["root", "administrator", "oracle", "test", "ubuntu", "git", "ftp"]
    outcomes = []
    for i, name in enumerate(names):  # bounded: 7 guesses, alternating SFTP and FTP
        if i % 2 == 0:
            try:
                t = sftp_transport(ports["sftp_outsider"])
                try:
                    t.auth_password(name, "123456")
                    outcomes.append(True)
                except paramiko.AuthenticationException:
                    outcomes.append(False)
                t.close()
            except (paramiko.SSHException, EOFError, ConnectionResetError):
                outcomes.append(None)  # closed before the SSH handshake: banned
        else:
            try:
                f = ftps_client(ports["ftp_outsider"])
                try:
                    f.login(name, "123456")
                    outcomes.append(True)
                except ftplib.error_perm:
                    outcomes.append(False)
                f.close()
            except (EOFError, OSError):
                outcomes.append(None)
    assert outcomes[:5] == [False] * 5, outcomes
    assert outcomes[5:] == [None] * 2, outcomes
    bans = {b["ip"] for b in s.json("ban", "list")}
    assert bans == {OUTSIDER}
    # The balancer and its other clients serve on.
    t = sftp_transport(ports["sftp"])
    t.auth_password("alice", GOOD)
    assert t.is_authenticated()
    t.close()
