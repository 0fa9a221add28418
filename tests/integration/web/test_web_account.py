"""The signed-in user's own account page in Debian's Chromium against the real binary
(docs/web-ui.md#account): the profile; an API key made on the page (shown once) that then works
for the REST API; SSH keys refused where the site does not let users manage them; the login
history; a password change that asks for the current password (a wrong one refused and logged
as a failure), after which the new password works over SFTP and the old one does not."""
import paramiko
import pytest

from browser_fixture import browser  # noqa: F401
from test_web_users import GOOD, base, rest

USER = "uma"


@pytest.fixture
def site(server):
    server.add_user(USER, GOOD, "--set", "email=uma@example.com")
    server.run("site", "set", "users_can_create_api_keys=true")
    server.run("site", "set", "users_can_create_ssh_keys=false")
    return server


def params(server, **extra):
    return {"url": base(server), "username": USER, "password": GOOD, **extra}


@pytest.mark.parametrize("narrow", [False, True], ids=["wide", "narrow"])
def test_own_api_key_made_on_the_page_works_and_ssh_keys_are_refused(site, browser, narrow):
    got = browser("account_keys", **params(site, key_name="laptop", narrow=narrow))
    assert USER in got["profile"] and "uma@example.com" in got["profile"], got
    assert got["ssh_refused"] == "This site does not let users manage their own keys.", got
    status, me = rest(site, "GET", "/me", {"X-FilesAPI-Key": got["key"]})
    assert status == 200 and me["username"] == USER
    assert got["history"] and all(h["action"] == "login" for h in got["history"]), got
    assert "web" in {h["protocol"] for h in got["history"]}, got
    # The browser reports the SSH keys' refused list (403) as a failed load; nothing else.
    assert [e for e in got["console_errors"] if "403" not in e] == [], got


def sftp_login(server, password):
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    try:
        t.connect(username=USER, password=password)
        return True
    except paramiko.AuthenticationException:
        return False
    finally:
        t.close()


def test_a_password_change_asks_for_the_current_password(site, browser):
    got = browser("account_password", **params(site))
    assert got["wrong"] == "Your current password is not right.", got
    assert got["done"].startswith("Your password has been changed."), got
    assert "password_mismatch" in got["failures"], got
    assert sftp_login(site, got["generated"])
    assert not sftp_login(site, GOOD)
    # The browser reports the refused sign-in with the wrong password (401) and the refused
    # SSH key list (403) as failed loads; nothing else.
    assert [e for e in got["console_errors"] if "401" not in e and "403" not in e] == [], got
