"""The web UI in Debian's Chromium against the real binary (docs/web-ui.md): sign in (good,
wrong password, disabled: the reason shown), the forced password change, the file list and a
byte-exact download; the pages' headers, the session cookie, CSRF and cross-origin refusals
with http.client; and page loads never scored as abandoned logins."""
import hashlib
import http.client
import json
import os
import gzip
import re
import socket
import ssl
import time

import pytest

# Not a conftest.py: tests/cli imports its own as `conftest`, which a second one would shadow.
from browser_fixture import browser  # noqa: F401

GOOD = "Correct-Horse-9-Battery"


def tls():
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # the node's own certificate
    return ctx


def https(s):
    return http.client.HTTPSConnection("127.0.0.1", s.https_port, timeout=20, context=tls())


def request(conn, method, path, headers=None, body=None):
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()


def web_sign_in(s, user, password=GOOD, headers=None):
    conn = https(s)
    status, h, body = request(conn, "POST", "/api/v1/sessions",
                              {"Content-Type": "application/json", **(headers or {})},
                              json.dumps({"username": user, "password": password, "web": True}))
    return conn, status, h, json.loads(body)


def cookie_of(h):
    return h["set-cookie"].split(";", 1)[0]


@pytest.fixture
def site(server):
    server.add_user("alice")
    server.files("alice").mkdir(parents=True, exist_ok=True)
    return server


# --- in Chromium ---

def test_sign_in_shows_the_file_list(site, browser):
    got = browser("signin", url=f"https://127.0.0.1:{site.https_port}", username="alice",
                  password=GOOD, name="signin")
    assert got["outcome"] == "files", got
    assert got["console_errors"] == []
    entry = site.log("--username", "alice", "--action", "login")[0]
    assert entry["interface"] == "web"


def test_a_wrong_password_shows_the_reason(site, browser):
    got = browser("signin", url=f"https://127.0.0.1:{site.https_port}", username="alice",
                  password="Wrong-Horse-9-Battery", name="signin-wrong")
    assert got["outcome"] == "refused"
    assert "Invalid Username Or Password" in got["error"] or "password" in got["error"].lower()
    assert site.log("--username", "alice", "--action", "failedlogin")[0]["interface"] == "web"


def test_a_disabled_user_is_told_so(site, browser):
    site.run("user", "disable", "alice")
    got = browser("signin", url=f"https://127.0.0.1:{site.https_port}", username="alice",
                  password=GOOD, name="signin-disabled")
    assert got["outcome"] == "refused"
    assert "disabled" in got["error"].lower(), got["error"]


def test_a_user_without_web_permission_is_refused(site, browser):
    site.run("user", "set", "alice", "web_permission=false")
    got = browser("signin", url=f"https://127.0.0.1:{site.https_port}", username="alice",
                  password=GOOD, name="signin-no-web")
    assert got["outcome"] == "refused"
    assert site.log("--username", "alice")[0]["failure_type"] == "no_web_permission"


def test_a_forced_password_change(site, browser):
    site.run("user", "set", "alice", "require_password_change=true")
    got = browser("change", url=f"https://127.0.0.1:{site.https_port}", username="alice",
                  password=GOOD)
    assert "change" in got["reason"].lower(), got["reason"]
    rules = [r["rule"] for r in got["empty"]]
    assert rules[:2] == ["min_length", "letter"] and "unbreached" in rules and "reused" in rules
    assert {r["rule"]: r["state"] for r in got["weak"]}["min_length"] == "unmet"
    assert {r["rule"]: r["state"] for r in got["weak"]}["letter"] == "met"
    assert all(r["state"] != "unmet" for r in got["strong"])
    assert got["clipboard"] == got["generated"] and len(got["generated"]) >= 10
    assert got["files_status"] == 403  # the limited session reaches nothing else
    assert site.json("user", "show", "alice")["require_password_change"] is False
    # The new password works anywhere now; the old one does not.
    assert site.try_login("alice", got["generated"])[1] == 0
    assert site.try_login("alice", GOOD)[1] != 0


def test_the_file_list_and_a_byte_exact_download(site, browser):
    folder = site.files("alice") / "reports"
    folder.mkdir()
    data = os.urandom(300_000) + b"\r\n\x00end"
    (folder / "q3 results.bin").write_bytes(data)
    (site.files("alice") / "notes.txt").write_text("hello\n")
    got = browser("files", url=f"https://127.0.0.1:{site.https_port}", username="alice",
                  password=GOOD, folder="reports", file="q3 results.bin")
    assert got["crumbs"].split() == ["Home", "/", "reports"]
    assert got["rows"][0][0].endswith("q3 results.bin") and got["rows"][0][1] == "293 KiB"
    assert got["suggested"] == "q3 results.bin"
    with open(got["download"], "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == hashlib.sha256(data).hexdigest()


def test_the_file_list_on_a_narrow_screen(site, browser):
    for name in ("Budget 2026.xlsx", "photo.jpg", "readme.txt"):
        (site.files("alice") / name).write_bytes(b"x" * (len(name) * 1000))
    (site.files("alice") / "Projects").mkdir()
    got = browser("files", url=f"https://127.0.0.1:{site.https_port}", username="alice",
                  password=GOOD, file="readme.txt", narrow=True, name="files-narrow")
    assert got["rows"][0][0].endswith("Projects")
    assert got["size"] == len("readme.txt") * 1000


def test_a_cross_origin_sign_in_from_a_browser_is_refused(site, browser):
    # The plain HTTP listener is another origin (scheme and port) of the same machine.
    got = browser("crossorigin", url=f"https://127.0.0.1:{site.https_port}",
                  evil=f"http://127.0.0.1:{site.http_port}", username="alice", password=GOOD)
    assert len(got["sent"]) == 2, got
    # The gate never saw them: no login, no refusal in the log.
    assert [e["action"] for e in site.log("--username", "alice")] == ["user_create"]


def test_the_page_loaded_many_times_is_never_refused(site, browser):
    assert browser("reload", url=f"https://127.0.0.1:{site.https_port}", times=30)["shown"] == 30


# --- headers, cookie, CSRF, cross-origin (http.client) ---

def test_the_page_and_assets_headers(site):
    conn = https(site)
    status, h, body = request(conn, "GET", "/", {"Accept-Encoding": "gzip"})
    assert status == 200 and h["content-type"].startswith("text/html")
    csp = h["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "default-src 'none'" in csp
    assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "same-origin" and h["cache-control"] == "no-cache"
    assert h["content-encoding"] == "gzip"
    page = gzip.decompress(body).decode()
    assert "<script" in page and "<script>" not in page and "style=" not in page
    status, h2, _ = request(conn, "GET", "/", {"If-None-Match": h["etag"]})
    assert status == 304
    total = 0
    for asset in re.findall(r'(?:src|href)="(/assets/[^"]+)"', page):
        status, ah, abody = request(conn, "GET", asset, {"Accept-Encoding": "gzip"})
        assert status == 200, asset
        assert ah["cache-control"] == "public, max-age=31536000, immutable"
        assert ah["x-content-type-options"] == "nosniff"
        total += len(abody)
    assert total <= 150 * 1024  # the first load's budget, compressed
    assert request(conn, "GET", "/assets/none.js")[0] == 404


def test_the_session_cookie_and_csrf(site):
    conn, status, h, body = web_sign_in(site, "alice")
    assert status == 201 and "id" not in body and body["password_change_only"] is False
    flags = [f.strip() for f in h["set-cookie"].split(";")]
    assert {"HttpOnly", "Secure", "SameSite=Strict", "Path=/api/v1"} <= set(flags)
    cookie = cookie_of(h)
    csrf = body["csrf_token"]
    get = request(conn, "GET", "/api/v1/sessions", {"Cookie": cookie})
    assert get[0] == 200 and json.loads(get[2])["interface"] == "web"
    # A change without the token, or with another, is refused; with it, it is made.
    assert request(conn, "POST", "/api/v1/folders/a", {"Cookie": cookie})[0] == 403
    assert request(conn, "POST", "/api/v1/folders/a",
                   {"Cookie": cookie, "X-CSRF-Token": "0" * 64})[0] == 403
    assert request(conn, "POST", "/api/v1/folders/a",
                   {"Cookie": cookie, "X-CSRF-Token": csrf})[0] == 201
    # The cookie is no X-FilesAPI-Auth token, nor the other way round.
    assert request(https(site), "GET", "/api/v1/me",
                   {"X-FilesAPI-Auth": cookie.split("=", 1)[1]})[0] == 401
    # Signing out ends it and clears the cookie.
    status, h, _ = request(conn, "DELETE", "/api/v1/sessions",
                           {"Cookie": cookie, "X-CSRF-Token": csrf})
    assert status == 204 and "Max-Age=0" in h["set-cookie"]
    assert request(https(site), "GET", "/api/v1/me", {"Cookie": cookie})[0] == 401


def test_cross_origin_posts_are_refused(site):
    evil = {"Origin": "https://evil.example"}
    _, status, _, body = web_sign_in(site, "alice", headers=evil)
    assert status == 403 and "another site" in body["error"]
    _, status, _, _ = web_sign_in(site, "alice", headers={"Sec-Fetch-Site": "cross-site"})
    assert status == 403
    conn, status, h, body = web_sign_in(
        site, "alice", headers={"Origin": f"https://127.0.0.1:{site.https_port}"})
    assert status == 201
    cookie, csrf = cookie_of(h), body["csrf_token"]
    status, _, _ = request(conn, "POST", "/api/v1/folders/b",
                           {"Cookie": cookie, "X-CSRF-Token": csrf, **evil})
    assert status == 403
    # API keys are for programs, not browsers: an Origin changes nothing for them.
    key = site.json("apikey", "create", "alice", "--name", "ci")["key"]
    assert request(https(site), "POST", "/api/v1/folders/c",
                   {"X-FilesAPI-Key": key, **evil})[0] == 201


def test_a_session_for_the_password_change_only(site):
    site.run("user", "set", "alice", "require_password_change=true")
    conn, status, h, body = web_sign_in(site, "alice")
    assert status == 201 and body["password_change_only"] is True
    assert "change" in body["reason"].lower()
    cookie, csrf = cookie_of(h), body["csrf_token"]
    hdr = {"Cookie": cookie, "X-CSRF-Token": csrf, "Content-Type": "application/json"}
    assert request(conn, "GET", "/api/v1/folders/", hdr)[0] == 403
    status, _, check = request(conn, "POST", "/api/v1/me/password_check", hdr,
                               json.dumps({"password": "abc"}))
    assert status == 200 and json.loads(check)["acceptable"] is False
    # The sign-in stays refused in the log, with the reason.
    assert site.log("--username", "alice")[0]["failure_type"] == "password_change_required"
    # The REST API's own sessions are not given such a session.
    rest = https(site)
    status, _, _ = request(rest, "POST", "/api/v1/sessions", {"Content-Type": "application/json"},
                           json.dumps({"username": "alice", "password": GOOD}))
    assert status == 403
    status, _, _ = request(conn, "POST", "/api/v1/me/password", hdr,
                           json.dumps({"password": "New-Horse-7-Battery!"}))
    assert status == 200
    assert request(conn, "GET", "/api/v1/sessions", hdr)[0] == 401  # the change ended it


# --- loading the UI is no abandoned login ---

def test_page_loads_from_one_address_never_ban_it(server_with):
    s = server_with(extra='[proxy]\ntrusted = "127.0.0.1/32"\n')
    visitor = "198.51.100.20"
    for _ in range(30):  # more than a ban's worth (20 points) of connections, each its own
        sock = socket.create_connection(("127.0.0.1", s.https_port), timeout=10)
        sock.sendall(f"PROXY TCP4 {visitor} 127.0.0.1 40000 443\r\n".encode())
        conn = http.client.HTTPSConnection("127.0.0.1", s.https_port, timeout=10, context=tls())
        conn.sock = tls().wrap_socket(sock, server_hostname="127.0.0.1")
        status, _, page = request(conn, "GET", "/")
        assert status == 200
        conn.close()
    time.sleep(1)  # the reports run on the login pool
    assert visitor not in {b["ip"] for b in s.json("ban", "list")}
