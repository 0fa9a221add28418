"""The admin console's users pages in Debian's Chromium against the real binary
(docs/web-ui.md#users): an administrator creates a user of each method in the editor and the
user signs in (web, SFTP; the sign-up mail at a real SMTP relay; none: no mail); disables a
user (✗ in the table, and the user's open web session ends); unlocks a locked user; search and
filters; API and SSH keys and a folder permission made in the editor, then used; narrow screens."""
import http.client
import json
import pathlib
import re
import ssl
import subprocess
import sys
import time

import paramiko
import pytest

from browser_fixture import browser  # noqa: F401

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "mail"))
from mail_relay import point_at, relay, text_of  # noqa: E402,F401
from test_mail_flows import sftp_login  # noqa: E402

GOOD = "Correct-Horse-9-Battery"
NEW = "Brand-New-Pass-42-Zebra"


def base(server):
    return f"https://127.0.0.1:{server.https_port}"


def admin_params(server, **extra):
    return {"url": base(server), "username": "root", "password": GOOD, **extra}


def rest(server, method, path, headers=None, body=None):
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", server.https_port, timeout=20, context=ctx)
    conn.request(method, "/api/v1" + path, body=json.dumps(body) if body is not None else None,
                 headers={"Content-Type": "application/json", **(headers or {})})
    r = conn.getresponse()
    data = r.read()
    return r.status, json.loads(data) if data else None


def web_signin(browser, server, user, password, name):
    return browser("signin", url=base(server), username=user, password=password, name=name)


@pytest.fixture
def site(server):
    server.add_user("root", GOOD, "--set", "site_admin=true")
    return server


def test_create_a_password_user_who_signs_in_on_the_web_and_sftp(site, browser):
    got = browser("users_create", **admin_params(site, user="pam", method="password",
                                                 user_password=NEW, email="pam@example.com"))
    assert got["status"] == "Created pam." and got["method"] == "password", got
    assert re.search(r"#/admin/users/\d+$", got["url"]), got
    assert "10 characters" in got["password_error"], got  # the API's policy message
    assert got["console_errors"] == [] or all("400" in e for e in got["console_errors"]), got
    assert web_signin(browser, site, "pam", NEW, "pam-signin")["outcome"] == "files"
    sftp_login(site, "pam", NEW)


def test_create_an_email_signup_user_and_a_none_user(site, relay, browser):
    point_at(site, relay, f"web_base_url={base(site)}")
    got = browser("users_create", **admin_params(site, user="sue", method="email_signup",
                                                 email="sue@example.com", resend=True))
    assert got["status"] == "Created sue." and got["method"] == "email_signup", got
    assert "sue@example.com" in got["resent"], got
    # The welcome (a sign-up link), then the one the Resend button asked for.
    msgs = relay.inbox.wait_for(2)
    assert all(rcpt == ["sue@example.com"] and "set-password" in text_of(m) for rcpt, m in msgs)
    got = browser("users_create", **admin_params(site, user="nora", method="none",
                                                 email="nora@example.com"))
    assert got["status"] == "Created nora." and got["method"] == "none", got
    time.sleep(1.5)
    assert len(relay.inbox.messages) == 2  # none: no mail
    assert site.json("user", "show", "nora")["authentication_method"] == "none"


def test_create_a_user_with_an_imported_hash(site, browser):
    hashed = subprocess.run(["openssl", "passwd", "-6", "-salt", "Xy9Zw8Vu", NEW],
                            capture_output=True, text=True, check=True).stdout.strip()
    got = browser("users_create", **admin_params(site, user="ivy", hash=hashed,
                                                 method="password_with_imported_hash"))
    assert got["status"] == "Created ivy.", got
    assert got["method"] == "password_with_imported_hash", got
    assert web_signin(browser, site, "ivy", NEW, "ivy-signin")["outcome"] == "files"
    assert site.json("user", "show", "ivy")["authentication_method"] == "password"


def test_disable_shows_the_cross_and_ends_the_users_web_session(site, browser):
    site.add_user("dan")
    folder = site.files("dan")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.txt").write_text("hello\n")
    got = browser("users_disable", **admin_params(
        site, user="dan", user_password=GOOD,
        user_url=f"https://localhost:{site.https_port}"))
    assert "Disabled" in got["status"], got
    dan = next(r for r in got["rows"] if r["username"] == "dan")
    assert dan["disabled"] and "✗" in dan["enabled"] and "Disabled" in dan["enabled"], dan
    root = next(r for r in got["rows"] if r["username"] == "root")
    assert "✓" in root["enabled"], root
    assert "session has ended" in got["notice"], got["notice"]
    assert site.json("user", "show", "dan")["disabled"] is True


def test_a_locked_user_is_unlocked_and_signs_in(site, browser):
    site.run("site", "set", "user_lockout=true", "user_lockout_tries=2")
    site.add_user("lou")
    for _ in range(3):
        rest(site, "POST", "/sessions", body={"username": "lou", "password": "Wrong-Pass-1-x"})
    assert rest(site, "POST", "/sessions", body={"username": "lou", "password": GOOD})[0] != 201
    got = browser("users_unlock", **admin_params(site, user="lou"))
    lou = next(r for r in got["before"] if r["username"] == "lou")
    assert lou["lock"].startswith("Locked until"), lou
    assert got["lock"].startswith("Locked until") and "Locked" not in got["status"], got
    assert rest(site, "POST", "/sessions", body={"username": "lou", "password": GOOD})[0] == 201


def test_search_and_filters_narrow_the_table(site, browser):
    for name in ("alice", "bob", "carol"):
        site.add_user(name)
    site.add_user("kay", None, "--set", "authentication_method=none")
    site.run("user", "disable", "bob")
    got = browser("users_filter", **admin_params(site, search="car", expect_search=1,
                                                 expect_disabled=1, expect_none=1))
    assert {r["username"] for r in got["all"]} >= {"alice", "bob", "carol", "kay", "root"}
    assert [r["username"] for r in got["searched"]] == ["carol"]
    assert [r["username"] for r in got["disabled"]] == ["bob"]
    assert [r["username"] for r in got["none"]] == ["kay"]
    assert got["console_errors"] == []


def test_the_table_pages_on_the_server(site, browser):
    for i in range(60):
        site.add_user(f"u{i:02d}", None, "--set", "authentication_method=none")
    got = browser("users_filter", **admin_params(site, search="u5", expect_search=10,
                                                 expect_disabled=0, expect_none=50, more=True))
    assert len(got["all"]) == 50  # one page: the rest behind "Show more"
    names = [r["username"] for r in got["more"]]
    assert len(names) == 62 and names == sorted(names) and len(set(names)) == 62, names
    assert len(got["searched"]) == 10


def test_keys_and_a_folder_permission_made_in_the_editor_work(site, browser, tmp_path):
    site.add_user("kim")
    site.files("kim").mkdir(parents=True, exist_ok=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "id")],
                   check=True)
    public = (tmp_path / "id.pub").read_text().strip()
    got = browser("users_keys", **admin_params(site, user="kim", public_key=public))
    assert re.fullmatch(r"[0-9a-f]{64}", got["key"]) or len(got["key"]) >= 32, got
    assert got["clipboard"] == got["key"]
    assert got["ssh_error"], got
    assert "list, read" in got["rule"], got
    # The API key: for the REST API, and as a password over SFTP.
    status, me = rest(site, "GET", "/me", headers={"X-FilesAPI-Key": got["key"]})
    assert status == 200 and me["username"] == "kim"
    t = paramiko.Transport(("127.0.0.1", site.sftp_port))
    try:
        t.connect(username="@api-ci", password=got["key"])
        sftp = paramiko.SFTPClient.from_transport(t)
        sftp.listdir(".")
        # The folder permission: list and read only, so no upload.
        with pytest.raises(IOError):
            with sftp.open("new.txt", "w") as f:
                f.write("x")
    finally:
        t.close()
    # The SSH key logs in.
    t = paramiko.Transport(("127.0.0.1", site.sftp_port))
    try:
        t.connect(username="kim", pkey=paramiko.Ed25519Key.from_private_key_file(str(tmp_path / "id")))
    finally:
        t.close()
    status, _ = rest(site, "POST", "/folders/made", headers={"X-FilesAPI-Key": got["key"]})
    assert status == 403


def test_edit_fields_and_field_errors(site, browser):
    site.add_user("eve")
    got = browser("users_edit", **admin_params(site, user="eve", email="eve@example.com"))
    assert "email" in got["email_error"].lower() or "address" in got["email_error"], got
    eve = site.json("user", "show", "eve")
    assert eve["email"] == "eve@example.com" and eve["password_validity_days"] == "never", eve
    assert eve["ftp_permission"] is False and eve["allowed_ips"] == ["127.0.0.1/32", "10.0.0.0/8"], eve


def test_a_none_user_given_a_password_in_the_editor(site, browser):
    site.add_user("ned", None, "--set", "authentication_method=none")
    got = browser("users_method", **admin_params(site, user="ned", user_password=NEW))
    assert got["method"] == "password", got
    sftp_login(site, "ned", NEW)


def test_delete_asks_first(site, browser):
    site.add_user("del")
    got = browser("users_delete", **admin_params(site, user="del"))
    assert "cannot be undone" in got["question"]
    assert "del" not in [r["username"] for r in got["rows"]]


def test_narrow_screen_table_and_editor(site, browser):
    site.add_user("nat", GOOD, "--set", "email=nat@example.com")
    got = browser("users_filter", **admin_params(site, search="na", expect_search=1,
                                                 expect_disabled=0, expect_none=0, narrow=True))
    assert [r["username"] for r in got["searched"]] == ["nat"]
    got = browser("users_edit", **admin_params(site, user="nat", email="nat2@example.com",
                                               narrow=True))
    assert got["status"] == "Saved."
