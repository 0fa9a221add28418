"""The REST routes behind mail's web pages (docs/mail.md#links, #recovery): what the sign-in
page offers, the link's own policy check and generator (no session, the link stays usable),
recovery requests limited per client address (through a trusted PROXY header), and the
sign-in page's calls never scored as abandoned logins."""
import http.client
import json
import socket
import ssl
import sys
import pathlib
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "http"))
from test_rest_api import call  # noqa: E402

from mail_relay import link_token, point_at, relay  # noqa: E402,F401

GOOD = "Correct-Horse-9-Battery"
NEW = "Brand-New-Pass-42-Zebra"
PROXY = '[proxy]\ntrusted = "127.0.0.1/32"\n'


def tls():
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    return ctx


def from_visitor(server, visitor, method, path, body=None):
    """One request on its own connection, as `visitor` (a PROXY header from a trusted proxy)."""
    sock = socket.create_connection(("127.0.0.1", server.https_port), timeout=10)
    sock.sendall(f"PROXY TCP4 {visitor} 127.0.0.1 40000 443\r\n".encode())
    conn = http.client.HTTPSConnection("127.0.0.1", server.https_port, timeout=10, context=tls())
    conn.sock = tls().wrap_socket(sock, server_hostname="127.0.0.1")
    headers = {"Content-Type": "application/json"} if body is not None else {}
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers=headers)
    r = conn.getresponse()
    out = r.status, r.read()
    conn.close()
    return out


def test_sign_in_options_say_whether_recovery_is_on(server):
    r = call(server, "GET", "/sign_in_options")
    assert r.status == 200 and r.json == {"password_reset": True}, r.text
    server.run("site", "set", "disable_password_reset=true")
    assert call(server, "GET", "/sign_in_options").json == {"password_reset": False}


def test_a_links_check_and_generator_need_no_session(server, relay):
    point_at(server, relay)
    server.add_user("sam", None, "--set", "authentication_method=email_signup",
                    "--set", "email=sam@example.com")
    token = link_token(relay.inbox.wait_for(1)[0][1])
    r = call(server, "POST", "/password_reset/check", body={"token": token, "password": "short"})
    assert r.status == 200, r.text
    assert r.json["username"] == "sam" and r.json["purpose"] == "signup"
    assert r.json["acceptable"] is False
    rules = {x["rule"]: x["met"] for x in r.json["rules"]}
    assert rules["min_length"] is False and rules["letter"] is True and rules["reused"] is None
    g = call(server, "POST", "/password_reset/generate_password", body={"token": token})
    assert g.status == 200 and len(g.json["password"]) >= 10
    r = call(server, "POST", "/password_reset/check",
             body={"token": token, "password": g.json["password"]})
    assert r.json["acceptable"] is True
    # Checking used nothing up: the link still sets the password, then is refused everywhere.
    r = call(server, "POST", "/password_reset/complete", body={"token": token, "password": NEW})
    assert r.status == 200, r.text
    for route, body in (("/password_reset/check", {"token": token, "password": ""}),
                        ("/password_reset/generate_password", {"token": token})):
        r = call(server, "POST", route, body=body)
        assert r.status == 400 and "not valid" in r.json["error"], r.text
    r = call(server, "POST", "/password_reset/check", body={"token": "0" * 64, "password": ""})
    assert r.status == 400 and "not valid" in r.json["error"]


def test_recovery_requests_are_limited_per_client_address(server_with, relay):
    s = server_with(extra=PROXY)
    point_at(s, relay, "welcome_email_enabled=false")
    s.add_user("pat", GOOD, "--set", "email=pat@example.com")
    visitor = "198.51.100.7"
    for i in range(10):  # ten names that do not exist: no mail, but each one counts
        status, _ = from_visitor(s, visitor, "POST", "/api/v1/password_reset",
                                 {"username": f"ghost{i}"})
        assert status == 202
    # The eleventh answers the same, but sends nothing, even for a real account.
    status, body = from_visitor(s, visitor, "POST", "/api/v1/password_reset", {"username": "pat"})
    assert status == 202 and b"if an account matches" in body
    time.sleep(1.5)
    assert relay.inbox.messages == []
    entry = s.log("--action", "password_reset_request", "--ip", visitor)[0]
    assert "per client address" in entry["detail"], entry
    # Another address is not limited by it.
    status, _ = from_visitor(s, "198.51.100.8", "POST", "/api/v1/password_reset",
                             {"username": "pat"})
    assert status == 202
    assert [m[0] for m in relay.inbox.wait_for(1)] == [["pat@example.com"]]


def test_the_sign_in_pages_calls_never_ban_an_address(server_with):
    s = server_with(extra=PROXY)
    visitor = "198.51.100.20"
    for _ in range(25):  # more than a ban's worth (20 points) of connections, each its own
        status, body = from_visitor(s, visitor, "GET", "/api/v1/sign_in_options")
        assert status == 200 and json.loads(body) == {"password_reset": True}
    time.sleep(1)  # the reports run on the login pool
    assert visitor not in {b["ip"] for b in s.json("ban", "list")}
