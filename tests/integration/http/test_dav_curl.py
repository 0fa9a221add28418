"""WebDAV with curl: authentication and its refusals, streamed PUT and GET with Range,
conditional requests, path escapes, folder permissions and the action log."""
import hashlib
import os
import subprocess

import pytest

from dav_curl import GOOD, alice, allow_plain_http, curl  # noqa: F401 (alice is a fixture)

WRONG = "Wrong-Horse-9-Battery"


def test_missing_credentials_get_a_basic_challenge(alice):
    r = curl(alice, "PROPFIND", "/dav/", "-H", "Depth: 0", user=None)
    assert r.status == 401
    assert r.header("www-authenticate").startswith('Basic realm="drawbridge"')


def test_refusals_carry_their_reason(alice):
    r = curl(alice, "GET", "/dav/", password=WRONG)
    assert r.status == 401 and "Invalid Username Or Password" in r.text
    assert r.header("www-authenticate")
    alice.add_user("dis")
    alice.run("user", "disable", "dis")
    r = curl(alice, "GET", "/dav/", user="dis")
    assert r.status == 403 and "User Disabled" in r.text
    alice.add_user("sftponly", GOOD, "--set", "dav_permission=false")
    r = curl(alice, "GET", "/dav/", user="sftponly")
    assert r.status == 403 and "WebDAV Not Permitted" in r.text
    failures = {(e["username"], e["failure_type"]) for e in alice.log("--action", "failedlogin")}
    assert {("alice", "password_mismatch"), ("dis", "disabled"),
            ("sftponly", "no_dav_permission")} <= failures
    assert all(e["interface"] == "dav" for e in alice.log("--action", "failedlogin"))


def test_api_key_as_password(alice):
    alice.add_user("bot", None, "--method", "none")
    secret = alice.json("apikey", "create", "bot", "--name", "nightly")["key"]
    r = curl(alice, "PUT", "/dav/k.txt", user="@api-nightly", password=secret, data=b"key\n")
    assert r.status == 201
    assert (alice.files("bot") / "k.txt").read_bytes() == b"key\n"
    assert curl(alice, "GET", "/dav/k.txt", user="@api-nightly", password="0" * 64).status == 401


def test_large_put_streams_and_get_ranges(alice, tmp_path):
    src = tmp_path / "big.bin"
    data = os.urandom(9 * 1024 * 1024 + 7)  # past Beast's 1 MiB default body limit
    src.write_bytes(data)
    r = curl(alice, "PUT", "/dav/big.bin", upload=src)
    assert r.status == 201, r.text
    assert (alice.files("alice") / "big.bin").read_bytes() == data
    assert curl(alice, "PUT", "/dav/big.bin", upload=src).status == 204  # replaced

    r = curl(alice, "GET", "/dav/big.bin")
    assert r.status == 200 and hashlib.sha256(r.body).digest() == hashlib.sha256(data).digest()
    etag = r.header("etag")
    assert etag and r.header("last-modified") and r.header("accept-ranges") == "bytes"

    r = curl(alice, "GET", "/dav/big.bin", "-H", "Range: bytes=10-19")
    assert r.status == 206 and r.body == data[10:20]
    assert r.header("content-range") == f"bytes 10-19/{len(data)}"
    r = curl(alice, "GET", "/dav/big.bin", "-H", "Range: bytes=-5")
    assert r.status == 206 and r.body == data[-5:]
    r = curl(alice, "GET", "/dav/big.bin", "-H", f"Range: bytes={len(data) - 3}-")
    assert r.status == 206 and r.body == data[-3:]
    r = curl(alice, "GET", "/dav/big.bin", "-H", f"Range: bytes={len(data)}-")
    assert r.status == 416 and r.header("content-range") == f"bytes */{len(data)}"
    r = curl(alice, "GET", "/dav/big.bin", "-H", "Range: bytes=0-0", "-H", 'If-Range: "other"')
    assert r.status == 200 and len(r.body) == len(data)

    r = curl(alice, "HEAD", "/dav/big.bin", "-I")
    assert r.status == 200 and r.header("content-length") == str(len(data))
    assert curl(alice, "GET", "/dav/big.bin", "-H", f"If-None-Match: {etag}").status == 304
    assert curl(alice, "PUT", "/dav/big.bin", "-H", 'If-Match: "stale"', data=b"x").status == 412
    assert curl(alice, "PUT", "/dav/big.bin", "-H", "If-None-Match: *", data=b"x").status == 412

    entries = alice.log("--action", "create")
    assert any(e["path"] == "/big.bin" and e["interface"] == "dav" for e in entries)
    assert any(e["path"] == "/big.bin" for e in alice.log("--action", "read"))


def test_interrupted_put_leaves_nothing_under_the_name(alice, tmp_path):
    import socket
    import ssl
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", alice.https_port))
    s = ctx.wrap_socket(raw)
    import base64
    auth = base64.b64encode(f"alice:{GOOD}".encode()).decode()
    s.sendall(f"PUT /dav/partial.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\n"
              f"Content-Length: 1000000\r\n\r\n".encode() + b"a" * 1000)
    s.close()
    # The server notices the client has gone, drops the temporary file and logs the failure.
    import time
    deadline = time.time() + 10
    while time.time() < deadline:
        if any(e["path"] == "/partial.bin" for e in alice.log("--action", "create")):
            break
        time.sleep(0.1)
    assert not (alice.files("alice") / "partial.bin").exists()
    assert [p for p in os.listdir(alice.files("alice")) if p.startswith(".drawbridge")] == []
    entry = [e for e in alice.log("--action", "create") if e["path"] == "/partial.bin"][0]
    assert "failed" in entry["detail"]


@pytest.mark.parametrize("path", [
    "/dav/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/dav/..%2f..%2f..%2fetc%2fpasswd",
    "/dav/%2E%2E/secret.txt",
    "/dav/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",  # overlong UTF-8 for '.'
    "/dav/%e0%80%ae%e0%80%ae/etc/passwd",
    "/dav/a%00.txt",
    "/dav/../../etc/passwd",
    "/dav/sub/..%5c..%5csecret.txt",
])
def test_encoded_path_escapes_are_refused(alice, path):
    (alice.data_dir / "files" / "secret.txt").write_text("not alice's\n")
    r = curl(alice, "GET", path)
    assert r.status in (400, 403, 404), (r.status, r.text)
    assert b"root:" not in r.body and b"not alice's" not in r.body


def test_symlink_out_of_the_root_is_not_followed(alice):
    (alice.data_dir / "files" / "secret.txt").write_text("not alice's\n")
    os.symlink("/etc/passwd", alice.files("alice") / "passwd")
    os.symlink("../../secret.txt", alice.files("alice") / "secret")  # files/secret.txt
    for name in ("passwd", "secret"):
        r = curl(alice, "GET", f"/dav/{name}")
        assert r.status in (403, 404) and b"root:" not in r.body and b"alice's" not in r.body
    # A destination outside the tree is refused too.
    curl(alice, "PUT", "/dav/a.txt", data=b"a")
    r = curl(alice, "MOVE", "/dav/a.txt", "-H", "Destination: /dav/../a.txt")
    assert r.status in (400, 502)
    r = curl(alice, "COPY", "/dav/a.txt", "-H", "Destination: http://elsewhere/other/a.txt")
    assert r.status == 502


def test_folder_permissions_apply(alice):
    root = alice.files("alice")
    (root / "ro").mkdir()
    (root / "ro" / "r.txt").write_text("read me\n")
    (root / "drop").mkdir()
    alice.run("permission", "set", "alice", "/ro", "--allow", "list,read")
    alice.run("permission", "set", "alice", "/drop", "--allow", "write")
    assert curl(alice, "GET", "/dav/ro/r.txt").body == b"read me\n"
    assert curl(alice, "PUT", "/dav/ro/new.txt", data=b"x").status == 403
    assert curl(alice, "DELETE", "/dav/ro/r.txt").status == 403
    assert curl(alice, "MKCOL", "/dav/ro/sub").status == 403
    assert curl(alice, "PUT", "/dav/drop/in.txt", data=b"x").status == 201
    assert curl(alice, "GET", "/dav/drop/in.txt").status == 403
    assert curl(alice, "PROPFIND", "/dav/drop", "-H", "Depth: 1").status == 403
    assert curl(alice, "MOVE", "/dav/drop/in.txt", "-H", "Destination: /dav/in.txt").status == 403
    assert (root / "ro" / "r.txt").exists() and not (root / "ro" / "new.txt").exists()
    refused = [e for e in alice.log("--action", "create") if e["path"] == "/ro/new.txt"]
    assert refused and "failed" in refused[0]["detail"]


def test_options_and_propfind_depth(alice):
    r = curl(alice, "OPTIONS", "/dav/")
    assert r.status == 200 and r.header("dav") == "1, 2" and r.header("ms-author-via") == "DAV"
    assert curl(alice, "PROPFIND", "/dav/", "-H", "Depth: infinity").status == 403
    assert curl(alice, "PROPFIND", "/dav/").status == 403  # no Depth means infinity
    curl(alice, "MKCOL", "/dav/d")
    curl(alice, "PUT", "/dav/d/f.txt", data=b"12345")
    r = curl(alice, "PROPFIND", "/dav/d", "-H", "Depth: 1")
    assert r.status == 207
    assert "<D:href>/dav/d/</D:href>" in r.text and "<D:href>/dav/d/f.txt</D:href>" in r.text
    assert "<D:getcontentlength>5</D:getcontentlength>" in r.text
    assert curl(alice, "PROPFIND", "/dav/d", "-H", "Depth: 0", data=b"<bad").status == 400


def test_plain_http_serves_the_same_tree(alice):
    allow_plain_http(alice)  # refused by default: tests/integration/security/test_http_login_security.py
    assert curl(alice, "PUT", "/dav/p.txt", data=b"plain", plain=True).status == 201
    assert curl(alice, "GET", "/dav/p.txt").body == b"plain"


def test_site_setting_dav_enabled(alice):
    """dav_enabled=false is the gate's check: refused and logged with its reason; the REST API
    on the same port goes on."""
    alice.run("site", "set", "dav_enabled=false")
    r = curl(alice, "GET", "/dav/")
    assert r.status == 403 and "Protocol Disabled" in r.text and "dav_enabled" in r.text
    entry = alice.log("--action", "failedlogin")[0]
    assert (entry["failure_type"], entry["interface"]) == ("protocol_disabled", "dav")
    login = curl(alice, "POST", "/api/v1/sessions", "-H", "Content-Type: application/json",
                 user=None, data=b'{"username": "alice", "password": "' + GOOD.encode() + b'"}')
    assert login.status == 201, login.text
    alice.run("site", "set", "dav_enabled=true")
    assert curl(alice, "GET", "/dav/").status == 200


def test_windows_and_macos_expectations(alice):
    # Windows asks the server's root, without credentials, what it speaks.
    r = curl(alice, "OPTIONS", "/", user=None)
    assert r.status == 200 and r.header("dav") == "1, 2" and r.header("ms-author-via") == "DAV"
    # macOS shows the free space from RFC 4331's quota property.
    body = (b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop>'
            b'<D:quota-available-bytes/><D:getetag/></D:prop></D:propfind>')
    r = curl(alice, "PROPFIND", "/dav/", "-H", "Depth: 0", data=body)
    assert r.status == 207 and "<D:quota-available-bytes>" in r.text


def test_an_address_no_allow_list_admits_is_closed_at_accept(alice):
    server = alice
    assert curl(server, "PROPFIND", "/dav/", "-H", "Depth: 0").status == 207
    server.run("site", "set", "allowed_ips=10.0.0.0/8")
    for plain in (False, True):
        port = server.http_port if plain else server.https_port
        scheme = "http" if plain else "https"
        proc = subprocess.run(["curl", "-sk", "-u", f"alice:{GOOD}",
                               f"{scheme}://127.0.0.1:{port}/dav/"], capture_output=True,
                              timeout=30)
        assert proc.returncode != 0  # no TLS handshake, no HTTP reply
    entry = server.log("--action", "failedlogin", "--interface", "restapi")[0]
    assert entry["failure_type"] == "ip_mismatch" and entry["username"] == ""
