"""Issue #10 item 7 over real clients: users' files never run as the server's pages, the lock
table is bounded, and COPY/MOVE refuse a Destination on another server."""
import base64
import http.client
import re
import ssl

import pytest

from dav_curl import GOOD, alice, allow_plain_http, curl  # noqa: F401 (alice is a fixture)
from test_rest_api import call, login

POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
LOCKINFO = ('<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:">'
            '<D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype>'
            '<D:owner>{owner}</D:owner></D:lockinfo>')


def lock(server, path, owner="alice", *headers):
    return curl(server, "LOCK", path, "-H", "Content-Type: application/xml", *headers,
                data=LOCKINFO.format(owner=owner).encode())


def lock_many(server, paths, body):
    """LOCKs each path on one keep-alive connection (fast: one login); [(status, body)]."""
    auth = "Basic " + base64.b64encode(f"alice:{GOOD}".encode()).decode()
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", server.https_port, timeout=30, context=ctx)
    out = []
    for path in paths:
        conn.request("LOCK", path, body=body,
                     headers={"Authorization": auth, "Content-Type": "application/xml"})
        reply = conn.getresponse()
        out.append((reply.status, reply.read()))
    conn.close()
    return out


# --- b) users' files are sandboxed; active types are attachments ---

@pytest.mark.parametrize("name,attachment", [
    ("page.html", True), ("Page.HTM", True), ("pic.svg", True), ("data.xml", True),
    ("code.js", True), ("doc.xhtml", True), ("photo.png", False), ("notes.txt", False),
    ("blob", False),
])
def test_files_are_sandboxed_and_active_ones_downloaded(alice, name, attachment):
    (alice.files("alice") / name).write_text("<script>alert(document.cookie)</script>")
    for method in ("GET", "HEAD"):
        r = curl(alice, method, "/dav/" + name, *(["-I"] if method == "HEAD" else []))
        assert r.status == 200
        assert r.header("x-content-type-options") == "nosniff"
        assert r.header("content-security-policy") == POLICY
        disposition = r.header("content-disposition")
        if attachment:
            assert disposition == f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
        else:
            assert disposition is None


def test_attachment_names_are_encoded(alice):
    name = 'r\u00e9sum\u00e9 "v2".html'
    (alice.files("alice") / name).write_text("<b>hi</b>")
    r = curl(alice, "GET", "/dav/r%C3%A9sum%C3%A9%20%22v2%22.html")
    assert r.status == 200
    assert r.header("content-disposition") == (
        "attachment; filename=\"r__sum__ _v2_.html\"; "
        "filename*=UTF-8''r%C3%A9sum%C3%A9%20%22v2%22.html")


def test_rest_downloads_are_sandboxed_too(alice):
    (alice.files("alice") / "x.html").write_text("<script>1</script>")
    token = login(alice, "alice")
    r = call(alice, "GET", "/files/x.html", token=token)
    assert r.status == 200 and r.body == b"<script>1</script>"
    assert r.header("content-security-policy") == POLICY
    assert r.header("x-content-type-options") == "nosniff"
    assert r.header("content-disposition").startswith('attachment; filename="x.html"')


def test_collection_listing_is_sandboxed(alice):
    (alice.files("alice") / "<img src=x onerror=alert(1)>").write_text("")
    r = curl(alice, "GET", "/dav/")
    assert r.status == 200 and b"<img" not in r.body
    assert r.header("content-security-policy") == POLICY
    assert r.header("content-disposition") is None


# --- a) the lock table is bounded ---

def test_lock_owner_is_bounded(alice):
    (alice.files("alice") / "f.txt").write_text("x")
    r = lock(alice, "/dav/f.txt", "<D:href>" + "o" * 5000 + "</D:href>")
    assert r.status == 400 and "4096 bytes" in r.text
    r = lock(alice, "/dav/f.txt", "<D:href>" + "o" * 3000 + "</D:href>")
    assert r.status == 200, r.text
    assert "o" * 3000 in r.text


@pytest.mark.parametrize("timeout", ["Infinite", "Second-4100000000", "Infinite, Second-600",
                                     "Second-99999999999999999999999"])
def test_lock_lifetime_is_capped_at_an_hour(alice, timeout):
    (alice.files("alice") / "f.txt").write_text("x")
    r = lock(alice, "/dav/f.txt", "alice", "-H", f"Timeout: {timeout}")
    assert r.status == 200, r.text
    seconds = int(re.search(r"<D:timeout>Second-(\d+)</D:timeout>", r.text).group(1))
    assert 3590 <= seconds <= 3600
    token = r.header("lock-token")
    refreshed = curl(alice, "LOCK", "/dav/f.txt", "-H", f"If: ({token})", "-H",
                     f"Timeout: {timeout}")
    assert refreshed.status == 200
    seconds = int(re.search(r"<D:timeout>Second-(\d+)</D:timeout>", refreshed.text).group(1))
    assert 3590 <= seconds <= 3600


def test_locks_per_user_are_bounded(alice):
    for i in range(1001):
        (alice.files("alice") / f"f{i}").write_text("")
    body = LOCKINFO.format(owner="alice").encode()
    replies = lock_many(alice, [f"/dav/f{i}" for i in range(1001)], body)
    assert [status for status, _ in replies[:1000]] == [200] * 1000
    assert replies[1000][0] == 503 and b"too many locks" in replies[1000][1]
    # Another user has a count of their own.
    alice.add_user("bob")
    alice.files("bob").mkdir(parents=True, exist_ok=True)
    r = curl(alice, "LOCK", "/dav/new.txt", "-H", "Content-Type: application/xml", user="bob",
             data=body)
    assert r.status == 201


def test_shared_locks_on_one_resource_are_bounded(alice):
    (alice.files("alice") / "f.txt").write_text("x")
    shared = LOCKINFO.replace("<D:exclusive/>", "<D:shared/>").format(owner="alice").encode()
    replies = lock_many(alice, ["/dav/f.txt"] * 17, shared)
    assert [status for status, _ in replies] == [200] * 16 + [503]
    assert b"16 shared locks" in replies[16][1]
    r = curl(alice, "PROPFIND", "/dav/f.txt", "-H", "Depth: 0", data=b"")
    assert r.status == 207 and r.text.count("<D:activelock>") == 16


# --- d) COPY and MOVE stay on this server ---

@pytest.mark.parametrize("method", ["COPY", "MOVE"])
def test_destination_on_another_server_is_502(alice, method):
    (alice.files("alice") / "a.txt").write_text("a")
    port = alice.https_port
    for dest in (f"https://elsewhere:{port}/dav/b.txt", "https://elsewhere/dav/b.txt",
                 f"https://127.0.0.1:{port + 1}/dav/b.txt", f"ftp://127.0.0.1:{port}/dav/b.txt",
                 "http://127.0.0.1/dav/b.txt"):
        r = curl(alice, method, "/dav/a.txt", "-H", f"Destination: {dest}")
        assert r.status == 502, dest
        assert not (alice.files("alice") / "b.txt").exists()
    assert (alice.files("alice") / "a.txt").exists()


def test_destination_on_this_server_is_taken(alice):
    (alice.files("alice") / "a.txt").write_text("a")
    port = alice.https_port
    assert curl(alice, "COPY", "/dav/a.txt", "-H",
                f"Destination: https://127.0.0.1:{port}/dav/b.txt").status == 201
    assert curl(alice, "COPY", "/dav/a.txt", "-H",
                f"Destination: HTTPS://127.0.0.1:{port}/dav/c.txt").status == 201
    assert curl(alice, "MOVE", "/dav/a.txt", "-H", "Destination: /dav/d.txt").status == 201
    assert curl(alice, "COPY", "/dav/d.txt", "-H", "Destination: http://127.0.0.1/dav/e.txt",
                "-H", "Host: 127.0.0.1:80").status == 502  # https connection: port 80 differs
    allow_plain_http(alice)
    plain = curl(alice, "COPY", "/dav/d.txt", "-H",
                 "Destination: http://127.0.0.1:80/dav/f.txt", "-H", "Host: 127.0.0.1",
                 plain=True)
    assert plain.status == 201
    assert {p.name for p in alice.files("alice").iterdir()} == {
        "b.txt", "c.txt", "d.txt", "f.txt"}
