"""Mail over real SMTP (docs/mail.md): welcome mail by method, sign-up and reset links used
through the REST API, then logins over SFTP and FTPS with the new password; recovery by
username, by email, shared email, no email, disabled; STARTTLS with AUTH; the relay down and
then up (delivered once, across a restart)."""
import ftplib
import json
import ssl
import sys
import pathlib
import time

import paramiko
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "http"))
from test_rest_api import call, login  # noqa: E402

from mail_relay import Relay, link_token, point_at, relay, text_of, tls_dir  # noqa: E402,F401

GOOD = "Correct-Horse-9-Battery"
NEW = "Brand-New-Pass-42-Zebra"


def sftp_login(server, user, password):
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    try:
        t.connect(username=user, password=password)
        paramiko.SFTPClient.from_transport(t).listdir(".")
    finally:
        t.close()


def ftps_login(server, user, password):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    f = ftplib.FTP_TLS(context=ctx)
    f.connect("127.0.0.1", server.ftp_port, timeout=10)
    try:
        f.login(user, password)
        f.prot_p()
        f.nlst()
    finally:
        f.close()


def test_welcome_mail_by_method_and_signup_link(server, relay):
    point_at(server, relay, "ftp_require_tls_session_reuse=false")
    server.add_user("pat", GOOD, "--set", "email=pat@example.com")
    server.add_user("sam", None, "--set", "authentication_method=email_signup",
                    "--set", "email=sam@example.com")
    server.add_user("nob", None, "--set", "authentication_method=none",
                    "--set", "email=nob@example.com")
    msgs = relay.inbox.wait_for(2)
    time.sleep(1.5)
    assert len(relay.inbox.messages) == 2  # none for `none`
    by_rcpt = {rcpt[0]: msg for rcpt, msg in msgs}
    welcome = by_rcpt["pat@example.com"]
    assert welcome["From"] == "no-reply@files.example.com"
    assert GOOD not in text_of(welcome) and "pat" in text_of(welcome)
    assert welcome.get_body(("html",)) is not None
    signup = by_rcpt["sam@example.com"]
    assert "https://files.example.com/#/set-password?token=" in text_of(signup)
    token = link_token(signup)

    r = call(server, "POST", "/password_reset/complete", body={"token": token, "password": "x"})
    assert r.status == 400  # the policy; the link stays usable
    r = call(server, "POST", "/password_reset/complete", body={"token": token, "password": NEW})
    assert r.status == 200 and r.json["authentication_method"] == "password", r.text
    r = call(server, "POST", "/password_reset/complete", body={"token": token, "password": GOOD})
    assert r.status == 400 and "not valid" in r.json["error"]  # single use
    sftp_login(server, "sam", NEW)
    ftps_login(server, "sam", NEW)
    assert server.json("user", "show", "sam")["authentication_method"] == "password"
    assert server.log("--action", "password_reset")


def test_resend_welcome_email(server, relay):
    point_at(server, relay, "welcome_email_enabled=false")
    server.add_user("root", GOOD, "--set", "site_admin=true")
    server.add_user("sam", None, "--set", "authentication_method=email_signup",
                    "--set", "email=sam@example.com")
    server.add_user("nob", None, "--set", "authentication_method=none",
                    "--set", "email=nob@example.com")
    root = login(server, "root")
    time.sleep(1.5)
    assert relay.inbox.messages == []
    sam = server.json("user", "show", "sam")["id"]
    r = call(server, "POST", f"/users/{sam}/resend_welcome_email", token=root)
    assert r.status == 202 and r.json["kind"] == "signup", r.text
    nob = server.json("user", "show", "nob")["id"]
    r = call(server, "POST", f"/users/{nob}/resend_welcome_email", token=root)
    assert r.status == 400
    relay.inbox.wait_for(1)
    listed = call(server, "GET", "/mail", token=root).json
    assert listed[0]["state"] == "sent" and "body_text" not in listed[0]


def reset(server, **who):
    r = call(server, "POST", "/password_reset", body=who)
    assert r.status == 202, r.text
    return r.json


def test_recovery(server, relay):
    point_at(server, relay, "welcome_email_enabled=false", "ftp_require_tls_session_reuse=false")
    server.add_user("pat", GOOD, "--set", "email=pat@example.com")
    server.add_user("kim", GOOD, "--set", "email=team@example.com")
    server.add_user("lee", GOOD, "--set", "email=team@example.com")
    server.add_user("anon", GOOD)
    answer = reset(server, username="pat")
    # The same answer whatever exists.
    assert reset(server, username="ghost") == answer
    assert reset(server, email="team@example.com") == answer  # shared: needs the username
    assert reset(server, username="anon") == answer  # no email: cannot recover
    assert reset(server, email="PAT@example.com") == answer
    reset(server, username="kim")
    msgs = relay.inbox.wait_for(3)
    time.sleep(1.5)
    rcpts = sorted(m[0][0] for m in relay.inbox.messages)
    assert rcpts == ["pat@example.com", "pat@example.com", "team@example.com"], rcpts
    pat_links = [link_token(m) for r, m in msgs if r[0] == "pat@example.com"]
    r = call(server, "POST", "/password_reset/complete",
             body={"token": pat_links[0], "password": NEW})
    assert r.status == 200, r.text
    # Any password change voids the other outstanding link.
    r = call(server, "POST", "/password_reset/complete",
             body={"token": pat_links[1], "password": "Other-Pass-77-Tiger"})
    assert r.status == 400
    sftp_login(server, "pat", NEW)
    ftps_login(server, "pat", NEW)
    details = [e["detail"] for e in server.log("--action", "password_reset_request")]
    assert any("shared" in d for d in details) and any("no email" in d for d in details)

    server.run("site", "set", "disable_password_reset=true")
    r = call(server, "POST", "/password_reset", body={"username": "pat"})
    assert r.status == 403


def test_starttls_and_auth(server, tls_dir):
    relay = Relay(tls_dir=tls_dir, users={"mailer": "relay-secret-9"}).start()
    try:
        server.run("site", "set", "smtp_address=127.0.0.1", f"smtp_port={relay.port}",
                   "smtp_security=starttls", "smtp_tls_verify=false",
                   "smtp_authentication=login", "smtp_username=mailer", "smtp_password=-",
                   input="relay-secret-9\n")
        server.run("mail", "test", "--to", "ops@example.com")
        rcpt, msg = relay.inbox.wait_for(1)[0]
        assert rcpt == ["ops@example.com"] and "Test mail" in msg["Subject"]
        assert server.json("mail", "list")[0]["state"] == "sent"
        assert "relay-secret-9" not in server.log_file.read_text()
    finally:
        relay.stop()


def test_a_relay_down_then_up_delivers_once_across_a_restart(server):
    port = Relay().port  # nothing listens there yet
    server.run("site", "set", "smtp_address=127.0.0.1", f"smtp_port={port}",
               "smtp_security=none")
    server.run("mail", "test", "--to", "ops@example.com")
    deadline = time.time() + 15
    while time.time() < deadline:
        row = server.json("mail", "list")[0]
        if row["attempts"] >= 2:
            break
        time.sleep(0.3)
    assert row["state"] == "queued" and row["last_error"], row
    server.stop()
    relay = Relay(port=port).start()
    try:
        server.start()
        relay.inbox.wait_for(1, timeout=60)
        time.sleep(3)
        assert len(relay.inbox.messages) == 1
        row = server.json("mail", "list")[0]
        assert row["state"] == "sent" and row["last_error"] == "", row
        server.stop()
        server.start()
        time.sleep(2)
        assert len(relay.inbox.messages) == 1
    finally:
        relay.stop()


FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"


@pytest.mark.skipif(not pathlib.Path(FAKETIME).exists(), reason="needs Debian's faketime")
def test_expiry_reminders_with_a_moved_clock_across_restarts(server, relay, monkeypatch):
    point_at(server, relay, "welcome_email_enabled=false", "password_validity_days=30")
    server.add_user("pat", GOOD, "--set", "email=pat@example.com")
    server.add_user("bot", GOOD, "--set", "email=bot@example.com", "--set", "self_managed=false")
    server.add_user("forever", GOOD, "--set", "email=forever@example.com",
                    "--set", "password_validity_days=never")

    def restart_at(offset):
        # libfaketime moves the server's wall clock (and the CLI's) only; monotonic time stays.
        server.stop()
        monkeypatch.setenv("LD_PRELOAD", FAKETIME)
        monkeypatch.setenv("FAKETIME", offset)
        monkeypatch.setenv("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        server.start()
        time.sleep(2)

    time.sleep(1.5)
    assert relay.inbox.messages == []  # 30 days left: nothing due
    restart_at("+17d")  # 13 days left: the 28-day reminder was missed, the 14-day one is due
    msgs = relay.inbox.wait_for(1)
    assert [m[0] for m in msgs] == [["pat@example.com"]]
    assert "13 days" in msgs[0][1]["Subject"]
    restart_at("+17d")  # the same day again: not resent
    assert len(relay.inbox.messages) == 1
    restart_at("+25d")  # 5 days left: the 7-day reminder
    msgs = relay.inbox.wait_for(2)
    time.sleep(1)
    assert len(relay.inbox.messages) == 2 and "5 days" in msgs[1][1]["Subject"]


def test_templates_are_editable_by_rest_and_cli(server, relay, tmp_path):
    point_at(server, relay)
    server.add_user("root", GOOD, "--set", "site_admin=true")
    root = login(server, "root")
    r = call(server, "PATCH", "/mail/templates/test", token=root,
             body={"subject": "Ping from {{site_name}}"})
    assert r.status == 200 and r.json["custom"], r.text
    r = call(server, "PATCH", "/mail/templates/test", token=root, body={"text": "{{secret}}"})
    assert r.status == 400 and "unknown placeholder" in r.json["error"]
    html = tmp_path / "t.html"
    html.write_text("<p>Custom {{site_name}}</p>")
    server.run("mail", "template", "set", "test", "--html-file", str(html))
    server.run("mail", "test", "--to", "ops@example.com")
    msg = relay.inbox.wait_for(1)[0][1]
    assert msg["Subject"] == "Ping from files.example.com"
    assert "Custom files.example.com" in msg.get_body(("html",)).get_content()
    assert call(server, "DELETE", "/mail/templates/test", token=root).status == 204
    kinds = {t["kind"]: t["custom"] for t in server.json("mail", "template", "list")}
    assert kinds == {"welcome": False, "signup": False, "reset": False, "reminder": False,
                     "test": False}


def test_a_link_sets_no_password_over_plain_http(server):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
    c.request("POST", "/api/v1/password_reset/complete",
              body=json.dumps({"token": "0" * 64, "password": NEW}),
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    assert r.status == 403 and "HTTPS only" in json.loads(r.read())["error"]
