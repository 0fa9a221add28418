"""Rights end at once: disabling, deleting, locking, a password change and a key revocation end
what they granted on every protocol, on connections already open (REST sessions and keep-alive
connections, WebDAV keep-alive, SFTP and FTP sessions) within a second or so."""
import base64
import ftplib
import http.client
import json
import ssl
import subprocess
import time

import paramiko
import pytest

GOOD = "Correct-Horse-9-Battery"
NEW = "Another-Horse-7-Battery"


def https(server):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return http.client.HTTPSConnection("127.0.0.1", server.https_port, context=ctx, timeout=20)


def request(conn, method, path, headers=None, body=None):
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    return r.status, data


def api_login(server, username, password=GOOD):
    c = https(server)
    status, data = request(c, "POST", "/api/v1/sessions",
                           {"Content-Type": "application/json"},
                           json.dumps({"username": username, "password": password}))
    assert status == 201, data
    c.close()
    return json.loads(data)["id"]


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def within(seconds, check):
    """True once check() holds, polling for up to `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


@pytest.fixture
def alice(server):
    server.add_user("root", GOOD, "--set", "site_admin=true")
    server.add_user("alice")
    server.files("alice").mkdir(parents=True, exist_ok=True)
    return server


@pytest.mark.parametrize("how", ["cli", "admin_api", "self_service"])
def test_a_password_change_ends_rest_sessions(alice, how):
    token = api_login(alice, "alice")
    c = https(alice)
    auth = {"X-FilesAPI-Auth": token}
    assert request(c, "GET", "/api/v1/me", auth)[0] == 200
    if how == "cli":
        alice.run("user", "password", "alice", input=NEW + "\n")
    elif how == "admin_api":
        root = api_login(alice, "root")
        uid = alice.json("user", "show", "alice")["id"]
        status, data = request(https(alice), "PATCH", f"/api/v1/users/{uid}",
                               {"X-FilesAPI-Auth": root, "Content-Type": "application/json"},
                               json.dumps({"password": NEW}))
        assert status == 200, data
    else:
        status, data = request(c, "POST", "/api/v1/me/password",
                               {**auth, "Content-Type": "application/json"},
                               json.dumps({"password": NEW, "current_password": GOOD}))
        assert status == 200, data
    # Same connection, and a new one: the old token is gone.
    status, data = request(c, "GET", "/api/v1/me", auth)
    assert status == 401 and b"log in again" in data
    assert request(https(alice), "GET", "/api/v1/me", auth)[0] == 401
    assert api_login(alice, "alice", NEW)


def test_a_revoked_api_key_ends_open_connections_and_sessions_made_from_it(alice):
    key = alice.json("apikey", "create", "alice", "--name", "nightly")["key"]
    rest, dav = https(alice), https(alice)
    assert request(rest, "GET", "/api/v1/me", {"X-FilesAPI-Key": key})[0] == 200
    assert request(dav, "PUT", "/dav/a.txt", basic("@api-nightly", key), b"a")[0] in (201, 204)
    token = api_login(alice, "@api-nightly", key)
    alice.run("apikey", "revoke", "alice", "nightly")
    assert request(rest, "GET", "/api/v1/me", {"X-FilesAPI-Key": key})[0] == 401
    assert request(dav, "PUT", "/dav/b.txt", basic("@api-nightly", key), b"b")[0] == 401
    assert request(https(alice), "GET", "/api/v1/me", {"X-FilesAPI-Auth": token})[0] == 401
    assert not (alice.files("alice") / "b.txt").exists()
    failures = alice.log("--action", "failedlogin", "--username", "@api-nightly")
    assert failures and failures[0]["failure_type"] == "api_key_mismatch"


@pytest.mark.parametrize("how", ["disable", "delete"])
def test_webdav_keep_alive_of_a_disabled_or_deleted_user_stops_writing(alice, how):
    c = https(alice)
    root = alice.files("alice")  # looked up while alice exists
    assert request(c, "PUT", "/dav/one.txt", basic("alice", GOOD), b"1")[0] in (201, 204)
    alice.run("user", how, "alice")
    status, _ = request(c, "PUT", "/dav/two.txt", basic("alice", GOOD), b"2")
    assert status in (401, 403)
    assert not (root / "two.txt").exists()
    assert not list((alice.data_dir / "files").glob(".deleted/*/two.txt"))  # nor where it went
    expected = "disabled" if how == "disable" else "username_not_found"
    assert alice.log("--action", "failedlogin")[0]["failure_type"] == expected


def test_a_locked_out_users_rest_session_ends(alice):
    token = api_login(alice, "alice")
    c = https(alice)
    auth = {"X-FilesAPI-Auth": token}
    assert request(c, "GET", "/api/v1/me", auth)[0] == 200
    for _ in range(6):  # user_lockout_tries
        alice.try_login("alice", "Wrong-Horse-1-Battery")
    assert alice.json("user", "show", "alice")["lockout_expires"]
    # The lock deleted the stored session (docs/rest-api.md#sessions); logging in again tells why.
    status, data = request(c, "GET", "/api/v1/me", auth)
    assert status == 401 and b"log in again" in data
    status, data = request(c, "POST", "/api/v1/sessions", {"Content-Type": "application/json"},
                           json.dumps({"username": "alice", "password": GOOD}))
    assert status == 401 and b"Locked Out" in data


def sftp_session(server, user="alice"):
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect()
    t.auth_password(user, GOOD)
    return t, paramiko.SFTPClient.from_transport(t)


# Changes that end a session without touching the account's password or status.
SETTINGS_THAT_END = {
    "method_none": ("user", "set", "alice", "authentication_method=none"),
    "region": ("site", "set", "allowed_region=other", "--yes"),
}


@pytest.mark.parametrize("how", ["disable", "password", "lock", "method_none", "region"])
def test_open_sftp_sessions_end(alice, how):
    t, sftp = sftp_session(alice)
    with sftp.open("/up.txt", "w") as f:
        f.write(b"before")
    if how == "disable":
        alice.run("user", "disable", "alice")
    elif how == "password":
        alice.run("user", "password", "alice", input=NEW + "\n")
    elif how in SETTINGS_THAT_END:
        alice.run(*SETTINGS_THAT_END[how])
    else:
        for _ in range(6):
            alice.try_login("alice", "Wrong-Horse-1-Battery")
    assert within(5, lambda: not t.is_active())
    with pytest.raises((EOFError, OSError, paramiko.SSHException)):
        with sftp.open("/after.txt", "w") as f:
            f.write(b"after")
    assert not (alice.files("alice") / "after.txt").exists()
    assert "session of 'alice' ended" in alice.log_file.read_text()


def test_an_sftp_session_by_key_ends_when_the_key_is_removed(alice, tmp_path):
    private = tmp_path / "id"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(private)],
                   check=True)
    alice.run("sshkey", "add", "alice", "--file", str(private) + ".pub")
    t = paramiko.Transport(("127.0.0.1", alice.sftp_port))
    t.connect()
    t.auth_publickey("alice", paramiko.Ed25519Key.from_private_key_file(str(private)))
    sftp = paramiko.SFTPClient.from_transport(t)
    sftp.listdir("/")
    fingerprint = alice.json("sshkey", "list", "alice")[0]["fingerprint_sha256"]
    alice.run("sshkey", "remove", "alice", fingerprint)
    assert within(5, lambda: not t.is_active())


def ftps(server):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    f = ftplib.FTP_TLS(context=ctx, timeout=20)
    f.connect("127.0.0.1", server.ftp_port)
    f.auth()
    f.login("alice", GOOD)
    f.prot_p()
    return f


@pytest.mark.parametrize("how", ["disable", "delete", "password", "method_none", "region"])
def test_open_ftp_sessions_end(alice, how):
    f = ftps(alice)
    assert f.pwd() == "/"
    if how == "password":
        alice.run("user", "password", "alice", input=NEW + "\n")
    elif how in SETTINGS_THAT_END:
        alice.run(*SETTINGS_THAT_END[how])
    else:
        alice.run("user", how, "alice")
    time.sleep(2)
    with pytest.raises((ftplib.error_temp, EOFError, OSError)) as e:
        f.pwd()
        f.pwd()
    if isinstance(e.value, ftplib.error_temp):
        assert str(e.value).startswith("421 Session ended")
