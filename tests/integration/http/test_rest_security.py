"""The REST API's security routes against the real binary (docs/rest-api.md#security): bans made
by real wrong guesses over SFTP and lifted, the safe and block lists, the gate's login check, the
dashboard's login counts and open sessions, each reply checked against the OpenAPI document.

Guessers reach the server from 127.0.0.2, the trusted balancer here, and name their address in a
PROXY header; curl (127.0.0.1) is not a balancer and sends none."""
import socket
import time
import urllib.parse

import paramiko
import pytest

from dav_curl import GOOD
from test_openapi import check, document
from test_rest_api import API, assert_error, call, login

BALANCER = "127.0.0.2"
ATTACKER, FRIEND = "198.51.100.20", "203.0.113.7"


def proxy_v1(ip):
    return f"PROXY TCP4 {ip} 127.0.0.1 40000 22\r\n".encode()


def sftp_login(server, user, password, ip=None):
    """True (in), False (refused) or None (dropped before the handshake: a ban). With `ip`, the
    connection comes from the balancer and names `ip`."""
    sock = socket.create_connection(("127.0.0.1", server.sftp_port), timeout=10,
                                    source_address=(BALANCER, 0) if ip else None)
    if ip:
        sock.sendall(proxy_v1(ip))
    t = paramiko.Transport(sock)
    try:
        t.start_client(timeout=10)
        t.auth_password(user, password)
        return t.is_authenticated()
    except paramiko.AuthenticationException:
        return False
    except (paramiko.SSHException, EOFError, OSError):
        return None
    finally:
        t.close()


def guess_until_banned(server, ip, tries=6):
    for i in range(tries):
        if sftp_login(server, f"nobody{i}", "guess", ip) is None:
            return True
    return False


@pytest.fixture
def site(server_with):
    s = server_with(extra=f'[proxy]\ntrusted = "{BALANCER}/32"\n')
    s.add_user("root", GOOD, "--set", "site_admin=true")
    s.add_user("alice")
    s.files("alice").mkdir(parents=True, exist_ok=True)
    return s, login(s, "root")


class Replies:
    """Calls kept to check each reply against the OpenAPI document at the end."""

    def __init__(self, server):
        self.server, self.replies = server, []

    def __call__(self, method, template, concrete=None, **kw):
        r = call(self.server, method, concrete or template, **kw)
        reply = {"method": method, "path": API + template, "status": r.status,
                 "headers": r.headers}
        if r.json is not None:
            reply["body"] = r.json
        self.replies.append(reply)
        return r

    def conform(self):
        result = check(document(self.server), replies=self.replies)
        bad = [(self.replies[i], e) for i, e in enumerate(result["replies"]) if e]
        assert not bad, bad


def test_a_ban_from_wrong_guesses_is_listed_and_lifted(site):
    server, root = site
    api = Replies(server)
    assert guess_until_banned(server, ATTACKER)
    bans = api("GET", "/bans", token=root).json
    assert [b["ip"] for b in bans] == [ATTACKER] and bans[0]["offences"] == 1
    assert bans[0]["reason"] and bans[0]["expires_at"]
    assert sftp_login(server, "alice", GOOD, ATTACKER) is None  # dropped at accept
    assert api("GET", "/bans", "/bans?all=maybe", token=root).status == 400
    assert api("DELETE", "/bans/{ip}", f"/bans/{ATTACKER}", token=root).status == 204
    assert api("GET", "/bans", token=root).json == []
    assert api("GET", "/bans", "/bans?all=true", token=root).json == []  # forgotten, as the CLI
    assert_error(api("DELETE", "/bans/{ip}", f"/bans/{ATTACKER}", token=root), 404,
                 "not-found/not-found")
    assert_error(api("DELETE", "/bans/{ip}", "/bans/not-an-address", token=root), 400,
                 "bad-request/bad-request")
    assert sftp_login(server, "alice", GOOD, ATTACKER) is True
    lifted = server.log("--action", "ip_ban_lift")
    assert [(e["ip"], e["username"], e["interface"]) for e in lifted] == \
        [(ATTACKER, "root", "restapi")]
    api.conform()


def test_the_safe_list_stops_scoring_and_the_block_list_refuses(site):
    server, root = site
    api = Replies(server)
    r = api("POST", "/ip_lists", token=root,
            body={"list": "safe", "cidr": "203.0.113.0/24", "note": "office"})
    assert r.status == 201 and r.json["cidr"] == "203.0.113.0/24" and r.json["note"] == "office"
    safe_id = r.json["id"]
    assert_error(api("POST", "/ip_lists", token=root, body={"list": "safe", "cidr": "203.0.113.0/24"}),
                 409, "processing-failure/conflict")
    assert_error(api("POST", "/ip_lists", token=root, body={"list": "safe", "cidr": "nope"}),
                 400, "bad-request/bad-request")
    assert_error(api("POST", "/ip_lists", token=root, body={"list": "grey", "cidr": "10.0.0.1"}),
                 400, "bad-request/bad-request")
    assert not guess_until_banned(server, FRIEND)  # 6 unknown names: 24 points, never scored
    assert api("GET", "/bans", token=root).json == []
    r = api("POST", "/ip_lists", token=root, body={"list": "block", "cidr": "192.0.2.9"})
    assert r.status == 201 and r.json["cidr"] == "192.0.2.9/32"
    assert sftp_login(server, "alice", GOOD, "192.0.2.9") is None
    listed = api("GET", "/ip_lists", token=root).json
    assert {(e["list"], e["cidr"]) for e in listed} == {("safe", "203.0.113.0/24"),
                                                       ("block", "192.0.2.9/32")}
    assert [e["cidr"] for e in api("GET", "/ip_lists", "/ip_lists?list=block", token=root).json] \
        == ["192.0.2.9/32"]
    # By CIDR (its '/' as it is, or encoded) and by id.
    assert api("DELETE", "/ip_lists/{entry}", "/ip_lists/192.0.2.9/32", token=root).status == 204
    assert sftp_login(server, "alice", GOOD, "192.0.2.9") is True
    assert api("DELETE", "/ip_lists/{entry}", f"/ip_lists/{safe_id}", token=root).status == 204
    assert_error(api("DELETE", "/ip_lists/{entry}",
                     "/ip_lists/" + urllib.parse.quote("203.0.113.0/24", safe=""), token=root),
                 404, "not-found/not-found")
    assert api("GET", "/ip_lists", token=root).json == []
    actions = [(e["action"], e["detail"], e["username"]) for e in server.log()
               if e["action"].startswith("ip_list")]
    assert ("ip_list_add", "safe 203.0.113.0/24", "root") in actions
    assert ("ip_list_remove", "block 192.0.2.9/32", "root") in actions
    api.conform()


def test_login_check_explains_without_logging_a_login(site):
    server, root = site
    api = Replies(server)
    server.add_user("dis")
    server.run("user", "disable", "dis")
    server.add_user("office", GOOD, "--set", "allowed_ips=10.1.0.0/16")
    before = len(server.log())
    ok = api("POST", "/login_check", token=root,
             body={"username": "alice", "interface": "sftp", "ip": "192.0.2.1"}).json
    assert ok["admitted"] is True and ok["reasons"] == [] and ok["user_id"]
    assert ok["admitted_with"] == ["password", "ssh_key", "api_key"]
    assert ok["checks"][0] == "address" and "disabled" in ok["checks"]
    dis = api("POST", "/login_check", token=root,
              body={"username": "dis", "interface": "web", "ip": "192.0.2.1"}).json
    assert dis["admitted"] is False and dis["admitted_with"] == []
    reason = dis["reasons"][0]
    assert reason["failure_type"] == "disabled" and reason["title"] and reason["message"]
    office = api("POST", "/login_check", token=root,
                 body={"username": "office", "interface": "ftp", "ip": "192.0.2.1"}).json
    assert [r["failure_type"] for r in office["reasons"] if "password" in r["applies_to"]] == \
        ["ip_mismatch"]
    inside = api("POST", "/login_check", token=root,
                 body={"username": "office", "interface": "ftp", "ip": "10.1.2.3"}).json
    assert inside["admitted"] is True and inside["admitted_with"] == ["password", "api_key"]
    ghost = api("POST", "/login_check", token=root,
                body={"username": "ghost", "interface": "sftp", "ip": ""}).json
    assert ghost["user_id"] is None and ghost["ip"] == "127.0.0.1"  # blank: the caller's
    assert "username_not_found" in [r["failure_type"] for r in ghost["reasons"]]
    assert_error(api("POST", "/login_check", token=root,
                     body={"username": "alice", "interface": "telnet"}), 400, "bad-request/bad-request")
    assert_error(api("POST", "/login_check", token=root,
                     body={"username": "alice", "interface": "sftp", "ip": "x"}), 400,
                 "bad-request/bad-request")
    assert len(server.log()) == before  # nothing recorded
    alice = login(server, "alice")
    assert_error(api("POST", "/login_check", token=alice,
                     body={"username": "alice", "interface": "sftp"}), 403,
                 "not-authorized/not-authorized")
    api.conform()


def test_the_dashboard_counts_refusals_by_reason_and_open_sessions(site):
    server, root = site
    api = Replies(server)
    for _ in range(3):
        assert sftp_login(server, "alice", "Wrong-Horse-9-Battery") is False
    assert sftp_login(server, "ghost", "x") is False
    summary = api("GET", "/history/summary", token=root).json
    assert summary["bucket"] == "hour" and len(summary["buckets"]) == 24
    last = summary["buckets"][-1]
    assert last["failure_types"]["password_mismatch"] == 3
    assert last["failure_types"]["username_not_found"] == 1
    assert last["failedlogin"] == 4 and last["interfaces"]["sftp"] == 4
    assert last["login"] >= 1  # root's own REST login
    assert summary["totals"]["failure_types"]["password_mismatch"] == 3
    month_ago = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 30 * 86400))
    days = api("GET", "/history/summary", f"/history/summary?bucket=day&since={month_ago}",
               token=root)
    assert days.status == 200 and days.json["totals"]["failedlogin"] == 4
    assert api("GET", "/history/summary", "/history/summary?bucket=week", token=root).status == 400
    assert api("GET", "/history/summary", "/history/summary?since=2000-01-01",
               token=root).status == 400  # too many hours for one answer

    def sessions():
        return api("GET", "/active_sessions", token=root).json["sessions"]

    assert sessions()["restapi"] == 1 and sessions()["sftp"] == 0
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect(username="alice", password=GOOD)
    try:
        assert sessions()["sftp"] == 1
    finally:
        t.close()
    deadline = time.time() + 5
    while time.time() < deadline and sessions()["sftp"]:
        time.sleep(0.1)
    assert sessions()["sftp"] == 0
    api.conform()
