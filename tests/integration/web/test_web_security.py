"""The admin console's security pages in Debian's Chromium against the real binary
(docs/web-ui.md#dashboard, #bans, #login-check): an address banned by real wrong guesses is
listed and Lift lets it log in again; a safe-list entry added in the page stops its address
being scored; the login check's verdicts; the dashboard's chart counts the test's failures and
an open SFTP session shows. Wide and narrow (380 px) screenshots.

Guessers come from 127.0.0.2, the trusted balancer, naming their address in a PROXY header;
Chromium (127.0.0.1) sends none."""
import pathlib
import sys

import paramiko
import pytest

from browser_fixture import browser  # noqa: F401

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "http"))
from test_rest_security import BALANCER, guess_until_banned, sftp_login  # noqa: E402

GOOD = "Correct-Horse-9-Battery"
ATTACKER, OFFICE = "198.51.100.20", "203.0.113.7"


@pytest.fixture
def site(server_with):
    s = server_with(extra=f'[proxy]\ntrusted = "{BALANCER}/32"\n')
    s.add_user("root", GOOD, "--set", "site_admin=true")
    s.add_user("alice")
    s.files("alice").mkdir(parents=True, exist_ok=True)
    return s, dict(url=f"https://127.0.0.1:{s.https_port}", username="root", password=GOOD)


@pytest.mark.parametrize("narrow", [False, True])
def test_a_banned_address_is_listed_and_lift_lets_it_in(site, browser, narrow):
    server, admin = site
    assert guess_until_banned(server, ATTACKER)
    assert sftp_login(server, "alice", GOOD, ATTACKER) is None
    got = browser("bans_lift", **admin, ip=ATTACKER, name="bans", narrow=narrow)
    assert got["console_errors"] == []
    assert [r["ip"] for r in got["before"]] == [ATTACKER]
    assert ATTACKER in got["status"]
    assert sftp_login(server, "alice", GOOD, ATTACKER) is True
    assert [e["ip"] for e in server.log("--action", "ip_ban_lift")] == [ATTACKER]


def test_a_safe_list_entry_added_in_the_page_stops_scoring(site, browser):
    server, admin = site
    got = browser("safe_add", **admin, bad="203.0.113.0/99", cidr="203.0.113.0/24",
                  note="head office", name="safe")
    # The one error is the refused CIDR's 400, which the page shows.
    assert [e for e in got["console_errors"] if "400 (Bad Request)" not in e] == []
    assert "not an address or CIDR" in got["error"]
    assert "head office" in got["rows"][0]["text"]
    assert not guess_until_banned(server, OFFICE)  # 24 points, never scored
    assert server.json("ban", "list") == []


def test_login_check_explains_disabled_admitted_and_allow_list(site, browser):
    server, admin = site
    server.add_user("dis")
    server.run("user", "disable", "dis")
    server.add_user("office", GOOD, "--set", "allowed_ips=10.1.0.0/16")
    before = len(server.log())
    checks = [{"username": "dis", "interface": "sftp", "ip": "192.0.2.1"},
              {"username": "alice", "interface": "sftp", "ip": ""},
              {"username": "office", "interface": "sftp", "ip": "192.0.2.1"}]
    for narrow in (False, True):
        got = browser("login_check", **admin, checks=checks, name="check" + "-narrow" * narrow,
                      narrow=narrow)
        assert got["console_errors"] == []
        dis, alice, office = got["checks"]
        assert dis["admitted"] == "false" and "would be refused" in dis["title"]
        assert [r["failure_type"] for r in dis["reasons"]] == ["disabled"]
        assert "Enable the user" in dis["reasons"][0]["fix"]
        assert dis["reasons"][0]["links"][0].startswith("#/admin/users/")
        assert "The user is told" in dis["reasons"][0]["shown"]
        assert alice["admitted"] == "true" and "may log in" in alice["title"]
        assert alice["reasons"] == []
        assert office["admitted"] == "false"
        assert [r["failure_type"] for r in office["reasons"]] == ["ip_mismatch"]
        assert "allowed IPs" in office["reasons"][0]["fix"]
    # Nothing was recorded but root's own web sign-ins.
    assert [e["action"] for e in server.log()[:len(server.log()) - before]] == ["login", "login"]


def test_the_dashboard_charts_the_failures_and_shows_an_open_sftp_session(site, browser):
    server, admin = site
    for _ in range(2):
        assert sftp_login(server, "alice", "Wrong-Horse-9-Battery") is False
    assert sftp_login(server, "ghost", "guess") is False
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect(username="alice", password=GOOD)
    try:
        for narrow in (False, True):
            got = browser("dashboard", **admin, name="dashboard" + "-narrow" * narrow,
                          narrow=narrow)
            assert got["console_errors"] == []
            assert got["legend"]["password_mismatch"] == 2
            assert got["legend"]["username_not_found"] == 1
            assert got["legend"]["login"] >= 2  # alice's SFTP session and root's sign-in
            bars = {b["series"]: b for b in got["bars"]}
            assert bars["password_mismatch"]["count"] == 2
            assert "password_mismatch: 2" in bars["password_mismatch"]["title"]
            assert got["sessions"]["sftp"] == 1 and got["sessions"]["web"] >= 1
            assert got["bans"] == "0 addresses" and got["current"] == "Dashboard"
    finally:
        t.close()
