"""The admin console's Site settings and Action log pages in Debian's Chromium against the real
binary (docs/web-ui.md#site, #log): the log filtered to Login Failure for one username, shown
again from its link; the password policy changed on the site page and the change-password
checklist following it; a range error by its field; a change that would lock the admin out
warned about, cancelled, then saved anyway; narrow screens."""
import pytest

from browser_fixture import browser  # noqa: F401
from test_web_ui import web_sign_in

GOOD = "Correct-Horse-9-Battery"


def page_errors(got, *expected):
    """The console's errors but the refusals the scenario provoked (400, 409)."""
    return [e for e in got["console_errors"]
            if not any(f"status of {code}" in e for code in expected)]


def base(server):
    return f"https://127.0.0.1:{server.https_port}"


@pytest.fixture
def console(server):
    server.add_user("root", GOOD, "--set", "site_admin=true")
    return server


def refused(server, user, times):
    for i in range(times):
        _, status, _, _ = web_sign_in(server, user, f"wrong-{i}")
        assert status == 401


@pytest.mark.parametrize("narrow", [False, True], ids=["wide", "narrow"])
def test_the_log_shows_one_users_login_failures_with_their_reason(console, browser, narrow):
    for name in ("ann", "bob"):
        console.add_user(name)
    refused(console, "ann", 2)
    refused(console, "bob", 2)
    web_sign_in(console, "ann")  # a good login: action login, not shown by the filter
    got = browser("console_log", url=base(console), username="root", password=GOOD,
                  filter_user="ann", narrow=narrow, name="log-narrow" if narrow else "log")
    assert got["console_errors"] == []
    assert {r["user"] for r in got["all"]} >= {"ann", "bob", "root"}
    assert len(got["filtered"]) == 2, got["filtered"]
    for row in got["filtered"]:
        assert (row["user"], row["action"], row["proto"], row["addr"]) == \
            ("ann", "Login Failure", "web", "127.0.0.1"), row
        assert row["failure_type"] == "password_mismatch"
        assert "Invalid Username Or Password" in row["reason"] and "password_mismatch" in row["reason"]
    assert "username=ann" in got["hash"] and "action=failedlogin" in got["hash"]
    assert got["linked"] == got["filtered"] and got["selected"] == "failedlogin"
    assert "since=2099-01-01T" in got["future"]["hash"].replace("%3A", ":"), got["future"]
    assert "username=ann" in got["future"]["hash"] and "match these filters" in got["future"]["empty"]


def test_the_log_pages_on_the_server(console, browser):
    console.add_user("ann")
    refused(console, "ann", 3)
    for i in range(60):  # more than one page of 50
        console.run("site", "set", f"user_lockout_tries={7 + i % 2}")
    got = browser("console_log", url=base(console), username="root", password=GOOD,
                  filter_user="ann", paged=True, name="log-paged")
    assert got["more"]["first"] == 50 and got["more"]["after"] > 50, got["more"]


@pytest.mark.parametrize("narrow", [False, True], ids=["wide", "narrow"])
def test_the_policy_changed_on_the_site_page_reaches_the_checklist(console, browser, narrow):
    tag = "-narrow" if narrow else ""
    got = browser("console_site", url=base(console), username="root", password=GOOD,
                  min_length=20, narrow=narrow, name="site" + tag)
    assert page_errors(got, 400) == []
    for title in ("Password policy", "Password expiration", "Brute force protection and lockout",
                  "IP allow list", "Countries", "Region and HIPAA", "Protocols"):
        assert title in got["groups"], got["groups"]
    assert "1–512" in got["hint"] and "default 10" in got["hint"], got["hint"]
    assert got["range_error"].startswith("password_min_length: expected a whole number from 1 "
                                         "to 512"), got["range_error"]
    assert got["saved"] == 20 and "Saved 1 change" in got["status"]
    assert console.json("site", "show")["password_min_length"] == 20
    console.add_user("carol", GOOD, "--set", "require_password_change=true")
    got = browser("console_checklist", url=base(console), username="carol", password=GOOD,
                  narrow=narrow, name="checklist" + tag)
    rules = {r["rule"]: r["text"] for r in got["rules"]}
    assert "20" in rules["min_length"], rules


@pytest.mark.parametrize("narrow", [False, True], ids=["wide", "narrow"])
def test_a_change_that_locks_the_admin_out_is_warned_about(console, browser, narrow):
    got = browser("console_lockout", url=base(console), username="root", password=GOOD,
                  allowed_ips="10.0.0.0/8", narrow=narrow,
                  name="lockout-narrow" if narrow else "lockout")
    assert page_errors(got, 409) == []
    assert "your own session ('root' from 127.0.0.1 over web)" in got["warning"], got["warning"]
    assert "not in the site's IP allow list" in got["warning"]
    assert got["after_cancel"] == {"status": "Not saved: the settings are as they were.",
                                   "chips": 0, "server": ""}, got["after_cancel"]
    assert "Saved" in got["status"]
    assert console.json("site", "show")["allowed_ips"] == "10.0.0.0/8"
