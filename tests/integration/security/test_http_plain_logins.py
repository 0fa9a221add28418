"""ssl_required on the plain HTTP listener (http.plain_port), with curl: a WebDAV or REST login in
clear is refused as insecure_http unless the site allows it (ssl_required=false) or the user's
own ssl_required says otherwise; over HTTPS nothing changes."""
import json
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "http"))
from dav_curl import GOOD, curl  # noqa: E402

INSECURE = "Insecure HTTP: Logging in over plain HTTP is not allowed; use HTTPS."


def rest(server, method, path, plain=True, key=None, body=None):
    headers = ["-H", f"X-FilesAPI-Key: {key}"] if key else []
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers += ["-H", "Content-Type: application/json"]
    r = curl(server, method, "/api/v1" + path, *headers, user=None, data=data, plain=plain)
    r.json = json.loads(r.body) if r.header("content-type") == "application/json" else None
    return r


def dav_status(server, user="alice", password=GOOD, plain=True):
    r = curl(server, "PROPFIND", "/dav/", "-H", "Depth: 0", user=user, password=password,
             plain=plain)
    return r.status, r.text


def session_status(server, user="alice", plain=True):
    r = rest(server, "POST", "/sessions", plain=plain, body={"username": user, "password": GOOD})
    return r.status, r.json


@pytest.fixture
def site(server):
    server.add_user("alice")
    server.add_user("bob")
    for name in ("alice", "bob"):
        server.files(name).mkdir(parents=True, exist_ok=True)
    return server


def test_plain_http_logins_are_refused_where_tls_is_required(site):
    key = site.json("apikey", "create", "alice", "--name", "nightly")["key"]
    assert dav_status(site) == (403, INSECURE + "\n")
    assert dav_status(site, "@api-nightly", key)[0] == 403  # an API key as the password
    assert dav_status(site, "nobody", "x")[0] == 403  # an unknown name: the site's rule
    status, body = session_status(site)
    assert status == 403 and body["type"] == "not-authorized/insecure-http", body
    assert body["title"] == "Insecure HTTP" and body["http-code"] == 403
    r = rest(site, "GET", "/me", key=key)
    assert r.status == 403 and r.json["type"] == "not-authorized/insecure-http", r.json
    # HTTPS is not concerned.
    assert dav_status(site, plain=False)[0] == 207
    assert session_status(site, plain=False)[0] == 201
    assert rest(site, "GET", "/me", plain=False, key=key).status == 200

    refused = site.log("--failure-type", "insecure_http")
    assert len(refused) == 5
    assert {e["interface"] for e in refused} == {"dav", "restapi"}
    assert all("plain HTTP" in e["detail"] for e in refused)
    assert {e["username"] for e in refused} >= {"alice", "nobody"}
    alice_id = site.json("user", "show", "alice")["id"]
    assert all(e["user_id"] == alice_id for e in refused if e["username"] == "alice")
    # Not a guess: no lockout, no score.
    assert site.json("user", "show", "alice")["locked_out"] is False


def test_a_user_that_never_requires_tls_may_log_in_over_plain_http(site):
    site.run("user", "set", "alice", "ssl_required=never_require")
    key = site.json("apikey", "create", "alice", "--name", "nightly")["key"]
    assert dav_status(site)[0] == 207
    assert session_status(site)[0] == 201
    assert rest(site, "GET", "/me", key=key).status == 200  # the key's user decides
    assert dav_status(site, "@api-nightly", key)[0] == 207
    assert dav_status(site, "bob")[0] == 403  # everyone else: the site's rule
    assert session_status(site, "bob")[0] == 403
    logins = site.log("--action", "login")
    assert sorted((e["username"], e["interface"]) for e in logins) == [
        ("", "restapi"), ("@api-nightly", "dav"), ("alice", "dav"), ("alice", "restapi")]


def test_the_site_may_allow_plain_http(site):
    site.run("site", "set", "ssl_required=false")
    assert dav_status(site)[0] == 207
    assert session_status(site, "bob")[0] == 201
    # A user who always requires TLS is refused in clear even so.
    site.run("user", "set", "alice", "ssl_required=always_require")
    assert dav_status(site) == (403, INSECURE + "\n")
    assert session_status(site)[0] == 403
    assert dav_status(site, plain=False)[0] == 207
    assert dav_status(site, "bob")[0] == 207


def test_a_session_token_sent_in_clear_ends_the_session(site):
    """A token made over HTTPS and then sent over plain HTTP has crossed in clear: the session
    ends (also for its HTTPS use), where the site or the user requires TLS."""
    status, body = session_status(site, plain=False)
    assert status == 201
    token = body["id"]

    def me(plain):
        r = curl(site, "GET", "/api/v1/me", "-H", f"X-FilesAPI-Auth: {token}", user=None,
                 plain=plain)
        return r.status, r.text

    assert me(False)[0] == 200
    status, text = me(True)
    assert status == 401 and "Insecure HTTP" in text, text
    assert me(False)[0] == 401  # ended, not only refused in clear
    # Where plain HTTP is allowed, a token may travel in clear.
    site.run("site", "set", "ssl_required=false")
    token = session_status(site, plain=False)[1]["id"]
    assert me(True)[0] == 200


def test_plain_http_asks_for_no_password_where_every_one_would_be_refused(site):
    """No Basic challenge in clear where the site requires TLS and no user is excepted: a
    client that waits to be asked (cadaver, Windows, curl --anyauth) never sends it."""
    r = curl(site, "PROPFIND", "/dav/", "-H", "Depth: 0", user=None, plain=True)
    assert r.status == 403 and "www-authenticate" not in r.headers, r.headers
    assert r.text == INSECURE + "\n"
    assert "www-authenticate" in curl(site, "PROPFIND", "/dav/", user=None).headers  # HTTPS
    # Once one user may log in in clear, every name is asked (the answer tells no name).
    site.run("user", "set", "alice", "ssl_required=never_require")
    r = curl(site, "PROPFIND", "/dav/", "-H", "Depth: 0", user=None, plain=True)
    assert r.status == 401 and "www-authenticate" in r.headers
