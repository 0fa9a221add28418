"""Three nodes of one site behind a real HAProxy, over one real PostgreSQL (docs/cluster.md):
nodes A and B in region eu-central, C in us-east, each on its own loopback address (127.0.0.3-5)
with its own passive FTP ports, clients on 127.0.0.2. The nodes share one files folder (as an NFS
share would; the S3 backend is not there yet), so a file written through one node is read through
the others. Everything a node decides with is in PostgreSQL: bans, lockouts, sessions, users.
"""
import hashlib
import io
import json
import os
import pathlib
import signal
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
from postgres import postgres, postgres_server  # noqa: E402,F401  (the fixtures)
from ftp_helpers import ReusingFTP, tls_context, GOOD  # noqa: E402

CLIENT = "127.0.0.2"
OUTSIDER = "203.0.113.9"
NODES = {"a": ("127.0.0.3", "eu-central"), "b": ("127.0.0.4", "eu-central"),
         "c": ("127.0.0.5", "us-east")}


class Cluster:
    def __init__(self, nodes, lb, ports):
        self.nodes, self.lb, self.ports = nodes, lb, ports

    def port(self, name):
        return self.ports[name]


@pytest.fixture
def cluster(tmp_path, server_with, postgres, monkeypatch):  # noqa: F811
    monkeypatch.setenv("DRAWBRIDGE_DATABASE", postgres())
    nodes = {}
    for name, (address, region) in NODES.items():
        lo, hi = free_port_range(6)
        kw = dict(ftp_extra=f'passive_port_min = {lo}\npassive_port_max = {hi}\n'
                  'passive_address = "127.0.0.1"\n',
                  extra='[proxy]\ntrusted = "127.0.0.1/32"\n', address=address, region=region,
                  top=f'node_name = "{name}"\n')
        if not nodes:
            s = server_with(**kw)  # the first node makes the shared folder, host keys included
        else:
            (tmp_path / name).mkdir()
            s = type(nodes["a"])(tmp_path / name, None, **kw)
            s.data_dir = nodes["a"].data_dir
            s.start()
        s.passive = (lo, hi)
        nodes[name] = s
    lb = HAProxy(tmp_path)
    ports = {}
    for name, s in nodes.items():
        addr = NODES[name][0]
        ports[f"sftp_{name}"] = lb.tcp(f"sftp_{name}", [(addr, s.sftp_port)])
        ports[f"ftp_{name}"] = lb.tcp(f"ftp_{name}", [(addr, s.ftp_port)])
        ports[f"https_{name}"] = lb.tcp(f"https_{name}", [(addr, s.https_port)])
        ports[f"outsider_{name}"] = lb.tcp(f"outsider_{name}", [(addr, s.sftp_port)],
                                           set_src=OUTSIDER)
        lb.tcp(f"passive_{name}", [(addr, None)], port_range=s.passive)
    # One SFTP address for the whole site, as clients are told to use: round robin over all.
    ports["sftp"] = lb.tcp("sftp", [(NODES[n][0], nodes[n].sftp_port) for n in nodes])
    lb.start()
    nodes["a"].add_user("alice")
    nodes["a"].files("alice").mkdir(parents=True, exist_ok=True)
    try:
        yield Cluster(nodes, lb, ports)
    finally:
        lb.stop()
        for name in "bc":  # a is server_with's to stop
            nodes[name].stop()


def sftp_session(port, user="alice", password=GOOD, source=CLIENT):
    sock = socket.create_connection(("127.0.0.1", port), timeout=20, source_address=(source, 0))
    t = paramiko.Transport(sock)
    t.connect(username=user, password=password)
    return t, paramiko.SFTPClient.from_transport(t)


def sftp_refused_at_accept(port, source=CLIENT):
    sock = socket.create_connection(("127.0.0.1", port), timeout=20, source_address=(source, 0))
    t = paramiko.Transport(sock)
    try:
        t.start_client(timeout=10)
        return False
    except (paramiko.SSHException, EOFError, ConnectionResetError):
        return True
    finally:
        t.close()


def https(c, node, method, path, *args, data=None):
    url = f"https://127.0.0.1:{c.port('https_' + node)}{path}"
    cmd = ["curl", "-sS", "-k", "--interface", CLIENT, "-X", method, "-w", "\n%{http_code}",
           url, *args]
    if data is not None:
        cmd += ["--data-binary", "@-"]
    r = subprocess.run(cmd, input=data, capture_output=True, timeout=60)
    body, _, status = r.stdout.rpartition(b"\n")
    return int(status), body


def test_a_file_written_through_a_is_read_through_b_over_webdav_and_c_over_ftps(cluster):
    data = os.urandom(3 * 1024 * 1024 + 5)
    t, sftp = sftp_session(cluster.port("sftp_a"))
    sftp.putfo(io.BytesIO(data), "/shared.bin")
    t.close()
    status, body = https(cluster, "b", "GET", "/dav/shared.bin", "-u", f"alice:{GOOD}")
    assert status == 200 and hashlib.sha256(body).digest() == hashlib.sha256(data).digest()
    f = ReusingFTP(context=tls_context(), timeout=20, source_address=(CLIENT, 0))
    f.connect("127.0.0.1", cluster.port("ftp_c"))
    f.auth()
    f.login("alice", GOOD)
    f.prot_p()
    got = io.BytesIO()
    f.retrbinary("RETR shared.bin", got.write)
    f.quit()
    assert got.getvalue() == data
    # One log for the site: each node's entries, each with the client's address.
    a = cluster.nodes["a"]
    logins = a.log("--action", "login", "--username", "alice")
    assert {e["interface"] for e in logins} == {"sftp", "dav", "ftp"}
    assert {e["ip"] for e in logins} == {CLIENT}


def test_a_dictionary_attack_spread_over_the_nodes_bans_on_all_of_them(cluster):
    names = ["root", "administrator", "oracle", "test", "ubuntu"]
    for i, name in enumerate(names):  # bounded: five guesses, one node after another
        node = "abc"[i % 3]
        sock = socket.create_connection(("127.0.0.1", cluster.port("outsider_" + node)),
                                        timeout=20)
        t = paramiko.Transport(sock)
        t.start_client(timeout=20)
        with pytest.raises(paramiko.AuthenticationException):
            t.auth_password(name, "123456")
        t.close()
    for node in "abc":
        assert sftp_refused_at_accept(cluster.port("outsider_" + node)), node
    bans = {b["ip"] for b in cluster.nodes["c"].json("ban", "list")}
    assert bans == {OUTSIDER}
    # The balancer's other clients are served on every node.
    for node in "abc":
        t, _ = sftp_session(cluster.port("sftp_" + node))
        t.close()


def test_an_unlock_on_b_admits_the_user_on_a_within_a_second(cluster):
    a, b = cluster.nodes["a"], cluster.nodes["b"]
    a.run("site", "set", "user_lockout_tries=3")
    for _ in range(3):
        with pytest.raises(paramiko.AuthenticationException):
            sftp_session(cluster.port("sftp_a"), password="Wrong-Horse-1-Battery")
    with pytest.raises(paramiko.AuthenticationException):
        sftp_session(cluster.port("sftp_a"))  # the right password: locked
    assert a.json("user", "show", "alice")["locked_out"] is True
    # Unlocked through node B's REST API by an administrator signed in there.
    b.add_user("root", GOOD, "--set", "site_admin=true")
    status, body = https(cluster, "b", "POST", "/api/v1/sessions", "-H",
                         "Content-Type: application/json",
                         data=json.dumps({"username": "root", "password": GOOD}).encode())
    assert status == 201, body
    token = json.loads(body)["id"]
    uid = a.json("user", "show", "alice")["id"]
    status, body = https(cluster, "b", "POST", f"/api/v1/users/{uid}/unlock", "-H",
                         f"X-FilesAPI-Auth: {token}")
    assert status in (200, 204), body
    unlocked = time.monotonic()
    while True:  # bounded: one second
        try:
            t, _ = sftp_session(cluster.port("sftp_a"))
            t.close()
            break
        except paramiko.AuthenticationException:
            assert time.monotonic() - unlocked < 1.0, "node A still refuses after 1 s"
            time.sleep(0.05)


def test_a_rest_session_from_a_works_on_c(cluster):
    status, body = https(cluster, "a", "POST", "/api/v1/sessions", "-H",
                         "Content-Type: application/json",
                         data=json.dumps({"username": "alice", "password": GOOD}).encode())
    assert status == 201, body
    token = json.loads(body)["id"]
    status, body = https(cluster, "c", "GET", "/api/v1/folders/", "-H",
                         f"X-FilesAPI-Auth: {token}")
    assert status == 200, body
    status, _ = https(cluster, "b", "DELETE", "/api/v1/sessions", "-H",
                      f"X-FilesAPI-Auth: {token}")
    assert status in (200, 204)
    status, _ = https(cluster, "c", "GET", "/api/v1/folders/", "-H", f"X-FilesAPI-Auth: {token}")
    assert status == 401


def test_a_site_restricted_to_one_region_refuses_the_other_regions_node(cluster):
    a, c = cluster.nodes["a"], cluster.nodes["c"]
    a.run("site", "set", "site_hostname=files.example.com", "allowed_region=eu-central",
          "--yes")
    with pytest.raises(paramiko.AuthenticationException):
        sftp_session(cluster.port("sftp_c"))
    t, _ = sftp_session(cluster.port("sftp_b"))
    t.close()
    refused = a.log("--failure-type", "region_mismatch")
    assert refused and refused[0]["ip"] == CLIENT
    assert ("Your account must login using a different server, https://files.example.com."
            in refused[0]["detail"])
    assert {n["name"]: n["region"] for n in c.json("node", "list")} == {
        "a": "eu-central", "b": "eu-central", "c": "us-east"}


def test_a_client_whose_node_dies_completes_the_upload_through_another(cluster):
    """SmartFile's advice: a connection that fails is retried, and the balancer sends the retry
    to a node that is up. Node A is killed mid-upload; the final name never holds a part."""
    data = os.urandom(8 * 1024 * 1024)
    a = cluster.nodes["a"]
    t, sftp = sftp_session(cluster.port("sftp_a"))
    f = sftp.open("/retry.bin", "wb")
    f.write(data[:1024 * 1024])
    f.flush()
    a.proc.send_signal(signal.SIGKILL)
    a.proc.wait()
    with pytest.raises((OSError, EOFError, paramiko.SSHException)):
        f.write(data[1024 * 1024:])
        f.close()
    t.close()
    final = a.files("alice") / "retry.bin"
    assert not final.exists()  # nothing half-written under the final name
    for attempt in range(6):  # bounded: the balancer may pick the dead node first
        try:
            t, sftp = sftp_session(cluster.port("sftp"))
            sftp.putfo(io.BytesIO(data), "/retry.bin")
            t.close()
            break
        except (OSError, EOFError, paramiko.SSHException):
            time.sleep(0.2)
    else:
        pytest.fail("no node took the retried upload")
    assert final.read_bytes() == data
