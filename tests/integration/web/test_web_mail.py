"""Mail's web pages in Debian's Chromium against the real binary and a real SMTP server
(python3-aiosmtpd on loopback; docs/mail.md, docs/web-ui.md#mail): a sign-up mail's link
followed to set a password under the policy, then SFTP and FTPS logins with it; the link used
again; "Forgot your password?" by username and by email; the link hidden when recovery is off;
the admin outbox with a relay's error, then the mail sent; the templates edited and reset."""
import pathlib
import re
import sys
import time

import paramiko
import pytest

from browser_fixture import browser  # noqa: F401

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "mail"))
from mail_relay import Inbox, Relay, point_at, relay, text_of  # noqa: E402,F401
from test_mail_flows import ftps_login, sftp_login  # noqa: E402

GOOD = "Correct-Horse-9-Battery"
NEW = "Brand-New-Pass-42-Zebra"
NEWER = "Another-Fresh-77-Walrus"


def base(server):
    return f"https://127.0.0.1:{server.https_port}"


def on_web(server, relay, *extra):
    """Points the server at the relay, with links to this server's own web UI."""
    point_at(server, relay, f"web_base_url={base(server)}", "ftp_require_tls_session_reuse=false",
             *extra)


def link_of(msg):
    m = re.search(r"https://\S+/#/set-password\?token=[0-9a-f]{64}", text_of(msg))
    assert m, text_of(msg)
    return m.group(0)


def sftp_refused(server, user, password):
    with pytest.raises(paramiko.AuthenticationException):
        sftp_login(server, user, password)


def test_a_signup_link_sets_the_password_then_sftp_and_ftps(server, relay, browser):
    on_web(server, relay)
    server.add_user("sam", None, "--set", "authentication_method=email_signup",
                    "--set", "email=sam@example.com")
    link = link_of(relay.inbox.wait_for(1)[0][1])
    got = browser("setpassword", link=link, password=NEW, name="signup")
    assert got["state"] == "valid" and "sam" in got["user"], got
    assert got["console_errors"] == []
    weak = {r["rule"]: r["state"] for r in got["weak"]}
    assert weak["min_length"] == "unmet" and weak["letter"] == "met", weak
    assert all(r["state"] != "unmet" for r in got["strong"])
    assert "sam" in got["done"]
    assert server.json("user", "show", "sam")["authentication_method"] == "password"
    sftp_login(server, "sam", NEW)
    ftps_login(server, "sam", NEW)
    # The link works once: opened again, the page says so before any typing.
    again = browser("setpassword", link=link, password=NEWER, name="signup-again")
    assert again["state"] == "refused" and "not valid" in again["refused"], again
    sftp_login(server, "sam", NEW)


def test_the_set_password_page_on_a_narrow_screen(server, relay, browser):
    on_web(server, relay)
    server.add_user("sam", None, "--set", "authentication_method=email_signup",
                    "--set", "email=sam@example.com")
    link = link_of(relay.inbox.wait_for(1)[0][1])
    got = browser("setpassword", link=link, password=NEW, name="narrow", narrow=True)
    assert got["state"] == "valid" and got["console_errors"] == []


def test_forgot_password_by_username_then_by_email(server, relay, browser):
    on_web(server, relay, "welcome_email_enabled=false")
    server.add_user("pat", GOOD, "--set", "email=pat@example.com")
    got = browser("forgot", url=base(server), who="pat", name="by-username")
    assert got["shown"] and "if an account matches" in got["message"].lower(), got
    link = link_of(relay.inbox.wait_for(1)[0][1])
    assert browser("setpassword", link=link, password=NEW, name="reset")["state"] == "valid"
    sftp_login(server, "pat", NEW)
    sftp_refused(server, "pat", GOOD)

    # The same answer for a name that does not exist.
    ghost = browser("forgot", url=base(server), who="ghost", name="ghost")
    assert ghost["message"] == got["message"]
    got = browser("forgot", url=base(server), who="PAT@example.com", name="by-email")
    assert got["message"] == ghost["message"]
    msgs = relay.inbox.wait_for(2)
    time.sleep(1)
    assert len(relay.inbox.messages) == 2  # none for the ghost
    assert browser("setpassword", link=link_of(msgs[1][1]), password=NEWER,
                   name="reset-email")["state"] == "valid"
    ftps_login(server, "pat", NEWER)
    sftp_refused(server, "pat", NEW)
    # The first link is used up, and a password change voided any other.
    assert browser("setpassword", link=link, password=GOOD, name="reused")["state"] == "refused"
    details = [e["detail"] for e in server.log("--action", "password_reset_request")]
    assert any("no such user" in d for d in details), details


def test_the_forgot_link_is_hidden_when_recovery_is_off(server, relay, browser):
    on_web(server, relay, "disable_password_reset=true")
    assert browser("forgot", url=base(server), name="disabled") == {"shown": False,
                                                                    "console_errors": []}
    server.run("site", "set", "disable_password_reset=false")
    assert browser("forgot", url=base(server), name="enabled")["shown"]


class RefusingInbox(Inbox):
    """Refuses recipients whose address starts with "reject" (a 5xx: failed at once)."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_the_outbox_shows_the_relays_error_then_sent(server, browser):
    port = Relay().port  # nothing listens there yet
    server.run("site", "set", "smtp_address=127.0.0.1", f"smtp_port={port}",
               "smtp_security=none", "site_hostname=files.example.com")
    server.add_user("root", GOOD, "--set", "site_admin=true")
    admin = dict(url=base(server), username="root", password=GOOD)
    down = browser("outbox", **admin, send_to="ops@example.com", wait_to="ops@example.com",
                   wait_state="queued", with_error=True, name="outbox-relay-down")
    row = next(r for r in down["rows"] if r["to"] == "ops@example.com")
    assert re.search(r"connect|refused", row["relay"], re.I), row
    relay = Relay(port=port)
    relay.inbox = RefusingInbox()
    relay.controller.handler = relay.inbox
    relay.start()
    try:
        server.run("mail", "test", "--to", "reject@example.com")
        up = browser("outbox", **admin, wait_to="reject@example.com", wait_state="failed",
                     name="outbox-failed")
        failed = next(r for r in up["rows"] if r["to"] == "reject@example.com")
        assert "550" in failed["relay"], failed
        sent = browser("outbox", **admin, wait_to="ops@example.com", wait_state="sent",
                       name="outbox-sent", narrow=True)
        assert sent["console_errors"] == []
        assert [r[0] for r in relay.inbox.messages] == [["ops@example.com"]]
    finally:
        relay.stop()


def test_a_template_edited_on_the_page_then_reset(server, relay, browser):
    on_web(server, relay)
    server.add_user("root", GOOD, "--set", "site_admin=true")
    got = browser("templates", url=base(server), username="root", password=GOOD, kind="reset",
                  subject="Your {{site_name}} reset link", keep=True)
    assert got["saved"] == "Saved." and "✎" in got["custom"], got
    kinds = {t["kind"]: t for t in server.json("mail", "template", "list")}
    assert kinds["reset"]["custom"] and kinds["reset"]["subject"] == "Your {{site_name}} reset link"
    server.add_user("pat", GOOD, "--set", "email=pat@example.com", "--set",
                    "authentication_method=password")
    browser("forgot", url=base(server), who="pat", name="custom-subject")
    msg = [m for r, m in relay.inbox.wait_for(2) if "reset" in m["Subject"]][0]
    assert msg["Subject"] == "Your files.example.com reset link"
    got = browser("templates", url=base(server), username="root", password=GOOD, kind="reset",
                  subject="Something else")
    assert got["before"] == "Your {{site_name}} reset link"
    assert got["after"] not in ("Something else", got["before"], "")  # the default's
    assert not {t["kind"]: t for t in server.json("mail", "template", "list")}["reset"]["custom"]
