"""REST sessions live in the store (docs/rest-api.md#sessions): a restart keeps them, the
database holds no token, and every revocation ends them for good, whichever process makes it
(the running server's API, or the CLI, even while the server is stopped)."""
import hashlib
import http.client
import json
import ssl

import pytest

GOOD = "Correct-Horse-9-Battery"
NEW = "Another-Horse-7-Battery"
ENDED = "not-authenticated/authentication-required"


def https(server):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return http.client.HTTPSConnection("127.0.0.1", server.https_port, context=ctx, timeout=20)


def call(server, method, path, token=None, body=None, conn=None):
    c = conn or https(server)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["X-FilesAPI-Auth"] = token
    c.request(method, "/api/v1" + path, body=None if body is None else json.dumps(body),
              headers=headers)
    r = c.getresponse()
    data = r.read()
    if not conn:
        c.close()
    return r.status, json.loads(data) if data else None


def login(server, username, password=GOOD):
    status, body = call(server, "POST", "/sessions", body={"username": username,
                                                            "password": password})
    assert status == 201, body
    return body["id"]


def assert_ended(server, token, conn=None):
    status, body = call(server, "GET", "/me", token, conn=conn)
    assert status == 401, body
    assert body["type"] == ENDED and "log in again" in body["error"], body


@pytest.fixture
def site(server):
    server.add_user("root", GOOD, "--set", "site_admin=true")
    server.add_user("alice")
    return server


def test_a_restart_keeps_sessions_and_the_database_holds_no_token(site):
    token = login(site, "alice")
    assert call(site, "GET", "/me", token)[0] == 200
    site.stop()
    site.start()  # same data directory, new ports
    status, me = call(site, "GET", "/me", token)
    assert status == 200 and me["username"] == "alice"
    # The database (with its WAL) has the token's SHA-256 and never the token; nor has the log.
    digest = hashlib.sha256(token.encode()).hexdigest().encode()
    stored = b"".join(p.read_bytes() for p in site.data_dir.glob("drawbridge.db*"))
    assert stored and digest in stored
    assert token.encode() not in stored
    assert token not in site.log_file.read_text()
    # Logout deletes the record, which a restart does not bring back.
    assert call(site, "DELETE", "/sessions", token)[0] == 204
    assert_ended(site, token)
    site.stop()
    site.start()
    assert_ended(site, token)


def uid(server, name):
    return server.json("user", "show", name)["id"]


# Each cause, through the running server's API or the CLI (another process).
CAUSES = {
    "password_cli": lambda s, t: s.run("user", "password", "alice", input=NEW + "\n"),
    "password_self": lambda s, t: call(s, "POST", "/me/password", t,
                                       {"password": NEW, "current_password": GOOD}),
    "password_admin": lambda s, t: call(s, "PATCH", f"/users/{uid(s, 'alice')}",
                                        login(s, "root"), {"password": NEW}),
    "disable_cli": lambda s, t: s.run("user", "disable", "alice"),
    "disable_admin": lambda s, t: call(s, "POST", f"/users/{uid(s, 'alice')}/disable",
                                       login(s, "root")),
    "delete_cli": lambda s, t: s.run("user", "delete", "alice"),
    "lock": lambda s, t: [s.try_login("alice", "Wrong-Horse-1-Battery") for _ in range(6)],
    "no_restapi": lambda s, t: s.run("user", "set", "alice", "restapi_permission=false"),
    "allow_list": lambda s, t: s.run("user", "set", "alice", "allowed_ips=10.0.0.0/8"),
    "access_expired": lambda s, t: s.run("user", "set", "alice",
                                         "authenticate_until=2001-01-01"),
}

UNDO = {
    "disable_cli": ("user", "enable", "alice"),
    "disable_admin": ("user", "enable", "alice"),
    "lock": ("user", "unlock", "alice"),
    "no_restapi": ("user", "set", "alice", "restapi_permission=true"),
    "allow_list": ("user", "set", "alice", "allowed_ips="),
    "access_expired": ("user", "set", "alice", "authenticate_until="),
}


@pytest.mark.parametrize("cause", list(CAUSES), ids=list(CAUSES))
def test_each_revocation_ends_the_token_for_good(site, cause):
    token = login(site, "alice")
    keep_alive = https(site)
    assert call(site, "GET", "/me", token, conn=keep_alive)[0] == 200
    CAUSES[cause](site, token)
    assert_ended(site, token, conn=keep_alive)  # the connection that used it
    assert_ended(site, token)  # and a new one
    if cause in UNDO:  # undoing the cause does not bring the session back
        site.run(*UNDO[cause])
        assert_ended(site, token)
        assert login(site, "alice")


@pytest.mark.parametrize("cause", ["disable_cli", "lock"], ids=["disable", "lock"])
def test_a_revocation_undone_before_the_next_request_still_ended_the_session(site, cause):
    """The store deleted the session when the user was disabled or locked: enabling or
    unlocking does not revive it, even if no request came in between."""
    token = login(site, "alice")
    CAUSES[cause](site, token)
    site.run(*UNDO[cause])
    assert_ended(site, token)
    assert login(site, "alice")


@pytest.mark.parametrize("how", ["disable", "delete", "password"])
def test_a_revocation_while_the_server_is_down_holds_after_the_restart(site, how):
    token = login(site, "alice")
    site.stop()
    if how == "password":
        site.run("user", "password", "alice", input=NEW + "\n")
    else:
        site.run("user", how, "alice")
        if how == "disable":
            site.run("user", "enable", "alice")  # the session stays revoked
    site.start()
    assert_ended(site, token)


def test_a_revoked_api_key_ends_the_sessions_it_opened(site):
    key = site.json("apikey", "create", "alice", "--name", "nightly")["key"]
    by_key = login(site, "@api-nightly", key)
    by_password = login(site, "alice")
    site.run("user", "password", "alice", input=NEW + "\n")
    assert call(site, "GET", "/me", by_key)[0] == 200  # a password change leaves key sessions
    assert_ended(site, by_password)
    site.run("apikey", "revoke", "alice", "nightly")
    assert_ended(site, by_key)
