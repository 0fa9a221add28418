"""Two-factor authentication on every interface (docs/two-factor.md): REST with the code in the
request or in a second step, FTPS with the code after the password, SFTP by keyboard-interactive
(paramiko and OpenSSH's sftp) or after the password, WebDAV refused with what to do instead,
API keys bypassing it everywhere; replays refused, recovery codes once, wrong codes counted
toward the lockout, require_2fa, and an administrator's reset."""
import ftplib
import json
import os
import pathlib
import stat
import subprocess
import sys

import paramiko
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "ftp"))
from ftp_helpers import ReusingFTP, tls_context  # noqa: E402
from two_factor_helpers import GOOD, App, call, curl, enrol, session  # noqa: E402

SSH_OPTS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "LogLevel=ERROR"]


def failures(server, interface):
    return [e["failure_type"] for e in server.log("--action", "failedlogin",
                                                  "--interface", interface)]


def ftps_login(server, user, password):
    f = ReusingFTP(context=tls_context(), timeout=20)
    f.connect("127.0.0.1", server.ftp_port)
    f.auth()
    try:
        return f.login(user, password)
    except ftplib.error_perm as e:
        return str(e)
    finally:
        f.close()


@pytest.fixture
def alice(server):
    server.add_user("alice")
    server.files("alice").mkdir(parents=True, exist_ok=True)
    app, codes = enrol(server, "alice")
    return server, app, codes


def test_rest_takes_the_code_in_the_request_or_in_a_second_step(alice):
    server, app, codes = alice
    assert call(server, "GET", "/me", token=session(server, "alice", otp=app.code()).json["id"]
                ).json["active_2fa"] is True
    # Without the code: 401 with the id of a sign-in that waits for it.
    r = session(server, "alice")
    assert r.status == 401 and r.json["type"] == "not-authorized/two-factor-authentication-required"
    assert r.json["data"]["methods"] == ["totp", "recovery_code"]
    waiting = r.json["data"]["partial_session_id"]
    r = call(server, "POST", "/sessions", body={"partial_session_id": waiting, "otp": "000000"})
    assert r.status == 401 and r.json["type"] == "not-authenticated/two-factor-authentication-error"
    used = app.code()
    r = call(server, "POST", "/sessions", body={"partial_session_id": waiting, "otp": used})
    assert r.status == 201, r.text
    # Used: the waiting sign-in is gone, and the code works no more.
    r = call(server, "POST", "/sessions", body={"partial_session_id": waiting, "otp": used})
    assert r.status == 401 and "sign in again" in r.json["error"]
    r = session(server, "alice", otp=used)
    assert r.json["type"] == "not-authenticated/two-factor-authentication-error"
    assert server.log("--action", "failedlogin")[0]["detail"].startswith(
        "the code, or a later one, was used already")
    # The wrong password with a right code is a wrong password.
    r = session(server, "alice", "Wrong-Horse-9-Battery", otp=app.code())
    assert r.json["type"] == "not-authenticated/invalid-username-or-password"
    # A recovery code works once.
    assert session(server, "alice", otp=codes[0].upper()).status == 201
    assert session(server, "alice", otp=codes[0]).status == 401
    r = call(server, "GET", "/me/2fa", token=session(server, "alice", otp=codes[1]).json["id"])
    assert r.json == {"required": False, "totp": True, "recovery_codes_left": 8, "webauthn": []}
    logins = [e["detail"] for e in server.log("--action", "login", "--interface", "restapi")]
    assert "password and a recovery code (8 left)" in logins
    assert "password and a code from the authenticator app" in logins, logins


def test_wrong_codes_count_toward_the_lockout(alice):
    server, app, _ = alice
    server.run("site", "set", "user_lockout=true", "user_lockout_tries=3")
    for code in ("111111", "222222", "333333"):
        r = session(server, "alice", otp=code)
        assert r.json["type"] == "not-authenticated/two-factor-authentication-error"
    assert server.json("user", "show", "alice")["locked_out"] is True
    assert failures(server, "restapi")[:3] == ["second_factor_mismatch"] * 3
    # Locked: even the right code does not get in.
    assert session(server, "alice", otp=app.code()).status == 401


def test_ftps_takes_the_code_after_the_password(alice):
    server, app, _ = alice
    assert ftps_login(server, "alice", GOOD + app.code()).startswith("230")
    refused = ftps_login(server, "alice", GOOD)
    assert refused.startswith("530 Two Factor Authentication Required")
    assert "password followed by the 6-digit code" in refused
    assert ftps_login(server, "alice", GOOD + "123456").startswith("530 Two Factor "
                                                                    "Authentication Error")
    assert failures(server, "ftp")[:2] == ["second_factor_mismatch", "second_factor_required"]


def test_api_keys_bypass_two_factor_on_every_protocol(alice):
    server, app, _ = alice
    key = server.json("apikey", "create", "alice", "--name", "script")["key"]
    assert ftps_login(server, "@api-script", key).startswith("230")
    r = curl(server, "PROPFIND", "/dav/", "-H", "Depth: 0", user="@api-script", password=key)
    assert r.status == 207
    assert call(server, "GET", "/me", key=key).status == 200
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect()
    t.auth_password("@api-script", key)
    assert t.is_authenticated()
    t.close()


def test_webdav_refuses_a_password_and_says_to_use_an_api_key(alice):
    server, _, _ = alice
    r = curl(server, "PROPFIND", "/dav/", "-H", "Depth: 0")
    assert r.status == 401
    assert "API key as the password" in r.text
    assert failures(server, "dav")[0] == "second_factor_required"
    check = json.loads(server.run("login", "check", "alice", "--protocol", "dav", "--ip",
                                  "127.0.0.1", "--json", check=False).stdout)
    assert "second_factor_required" in [r["failure_type"] for r in check["reasons"]]


def kbdint(answers):
    def handler(title, instructions, prompts):
        return [answers.pop(0) for _ in prompts]
    return handler


def test_sftp_asks_for_the_code_by_keyboard_interactive(alice):
    server, app, _ = alice
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect()
    assert t.auth_password("alice", GOOD) == ["keyboard-interactive"]  # partial success
    assert not t.is_authenticated()
    t.auth_interactive("alice", kbdint([app.code()]))
    assert t.is_authenticated()
    sftp = paramiko.SFTPClient.from_transport(t)
    assert sftp.listdir("/") == []
    t.close()
    # For clients without keyboard-interactive: the code after the password.
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect()
    t.auth_password("alice", GOOD + app.code())
    assert t.is_authenticated()
    t.close()


def test_no_sequence_on_one_ssh_connection_gets_in_without_a_valid_code(alice):
    """SFTPGo issue 2047: retries, other methods and partial successes on one connection."""
    server, app, _ = alice
    server.add_user("bob")
    bob_app, _ = enrol(server, "bob")
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect()
    assert t.auth_password("alice", GOOD) == ["keyboard-interactive"]
    assert t.auth_password("alice", GOOD) == ["keyboard-interactive"]  # again: still partial
    # Bob's valid code does not finish Alice's half-done login, nor log Bob in.
    with pytest.raises(paramiko.AuthenticationException):
        t.auth_interactive("bob", kbdint([bob_app.code()]))
    with pytest.raises(paramiko.AuthenticationException):
        t.auth_interactive("alice", kbdint(["000000"]))
    assert not t.is_authenticated()
    # The connection's cap on failures ends it (docs/login-gate.md#per-connection-cap).
    with pytest.raises(Exception):
        t.auth_interactive("alice", kbdint(["999999"]))
        t.auth_interactive("alice", kbdint(["888888"]))
        t.auth_none("alice")
    assert not t.is_authenticated()
    t.close()
    # A code alone, with no password before it on the connection, logs nobody in.
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect()
    with pytest.raises(paramiko.AuthenticationException):
        t.auth_interactive("alice", kbdint([app.code()]))  # taken as the password
    with pytest.raises(paramiko.AuthenticationException):
        t.auth_password("alice", app.code())
    assert not t.is_authenticated()
    t.close()
    assert "login" not in [e["action"] for e in server.log("--interface", "sftp")]


def test_openssh_sftp_answers_the_password_and_the_code(alice, tmp_path):
    server, app, _ = alice
    code_file = tmp_path / "code"
    script = tmp_path / "askpass"
    # The prompt is the first argument: the password's, then the code's.
    script.write_text(f"""#!/bin/sh
case "$1" in
  *code*) cat {code_file} ;;
  *) printf '%s\\n' '{GOOD}' ;;
esac
""")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    code_file.write_text(app.code() + "\n")
    env = dict(os.environ, SSH_ASKPASS=str(script), SSH_ASKPASS_REQUIRE="force", DISPLAY=":0")
    proc = subprocess.run(["sftp", "-P", str(server.sftp_port), *SSH_OPTS,
                           "-o", "PubkeyAuthentication=no", "-o", "IdentityAgent=none",
                           "alice@127.0.0.1"], input="pwd\n", capture_output=True, text=True,
                          timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "Remote working directory: /" in proc.stdout
    assert server.log("--action", "login", "--interface", "sftp")[0]["detail"] == \
        "password and a code from the authenticator app"


def test_require_2fa_leads_to_setup_on_the_web_and_refuses_elsewhere(server):
    server.add_user("carol")
    server.run("site", "set", "require_2fa=true")
    assert ftps_login(server, "carol", GOOD).startswith("530 Two Factor Authentication Required")
    assert session(server, "carol").json["type"] == \
        "not-authorized/two-factor-authentication-required"
    # The web sign-in gets a session that may only set it up.
    r = call(server, "POST", "/sessions", body={"username": "carol", "password": GOOD, "web": True})
    assert r.status == 201 and r.json["two_factor_setup_only"] is True, r.text
    cookie = r.header("set-cookie").split(";")[0]
    csrf = r.json["csrf_token"]

    def web(method, path, body=None):
        args = ["-H", f"Cookie: {cookie}", "-H", f"X-CSRF-Token: {csrf}",
                "-H", "Content-Type: application/json"]
        out = curl(server, method, "/api/v1" + path, *args, user=None,
                   data=None if body is None else json.dumps(body).encode())
        out.json = json.loads(out.body) if out.body else None
        return out

    assert web("GET", "/folders/").status == 403
    assert web("GET", "/me/2fa").json["required"] is True
    app = App(web("POST", "/me/2fa/totp").json["secret"])
    assert web("POST", "/me/2fa/totp/confirm", {"code": "000000"}).status == 400
    assert len(web("POST", "/me/2fa/totp/confirm", {"code": app.code()}).json["recovery_codes"]) == 10
    # Set up: the same session is a full one now, and the code works elsewhere.
    assert web("GET", "/sessions").json["two_factor_setup_only"] is False
    assert web("GET", "/folders/").status == 200
    assert ftps_login(server, "carol", GOOD + app.code()).startswith("230")
    # Required: the app cannot be turned off while it is the only factor.
    r = web("DELETE", "/me/2fa/totp", {"code": app.code()})
    assert r.status == 400 and "required" in r.json["error"]


def test_an_administrator_resets_a_users_two_factor(alice):
    server, app, codes = alice
    server.add_user("root", GOOD, "--set", "site_admin=true")
    admin = session(server, "root").json["id"]
    alice_id = server.json("user", "show", "alice")["id"]
    assert call(server, "GET", f"/users/{alice_id}", token=admin).json["active_2fa"] is True
    assert call(server, "POST", f"/users/{alice_id}/2fa/reset", token=admin).status == 204
    assert call(server, "GET", f"/users/{alice_id}", token=admin).json["active_2fa"] is False
    assert session(server, "alice").status == 201  # no second factor any more
    assert session(server, "alice", otp=codes[2]).status == 201  # the code is not asked for
    reset = server.log("--action", "user_update", "--username", "alice")[0]
    assert reset["detail"].startswith("two-factor authentication reset by administrator root")
    # And from the command line.
    enrol(server, "alice")
    server.run("user", "2fa-reset", "alice")
    assert server.json("user", "show", "alice")["active_2fa"] is False


def test_turning_the_app_off_needs_a_code_and_new_recovery_codes_replace_the_old(alice):
    server, app, codes = alice
    token = session(server, "alice", otp=app.code()).json["id"]
    r = call(server, "POST", "/me/2fa/recovery_codes", token=token, body={"code": "000000"})
    assert r.status == 400
    assert failures(server, "restapi")[0] == "second_factor_mismatch"
    fresh = call(server, "POST", "/me/2fa/recovery_codes", token=token,
                 body={"code": codes[0]}).json["recovery_codes"]
    assert session(server, "alice", otp=codes[1]).status == 401  # the old ones are gone
    assert call(server, "DELETE", "/me/2fa/totp", token=token, body={"code": fresh[0]}).status == 204
    assert session(server, "alice").status == 201
    # Survives a restart: the app stays off, and a new one set up holds across it.
    app, _ = enrol(server, "alice")
    server.stop()
    server.start()
    assert session(server, "alice").status == 401
    assert session(server, "alice", otp=app.code()).status == 201


def test_a_security_key_registered_then_used_to_sign_in(server):
    from webauthn_authenticator import SecurityKey
    server.add_user("dave")
    origin = f"https://localhost:{server.https_port}"
    key = SecurityKey(origin)
    token = session(server, "dave").json["id"]
    # Only on the site's host name: WebAuthn binds the key to it.
    r = call(server, "POST", "/me/2fa/webauthn/registration", token=token,
             origin=f"https://127.0.0.1:{server.https_port}")
    assert r.status == 400 and "site_hostname" in r.json["error"]
    options = call(server, "POST", "/me/2fa/webauthn/registration", token=token,
                   origin=origin).json
    assert options["publicKey"]["rp"]["id"] == "localhost"
    assert options["publicKey"]["attestation"] == "none"
    answer = key.create(options["publicKey"])
    r = call(server, "POST", "/me/2fa/webauthn", token=token, origin=origin,
             body={"registration_id": options["registration_id"], "name": "YubiKey",
                   "credential": answer})
    assert r.status == 201, r.text
    assert len(r.json["recovery_codes"]) == 10  # the first factor
    # One answer per challenge.
    r = call(server, "POST", "/me/2fa/webauthn", token=token, origin=origin,
             body={"registration_id": options["registration_id"], "name": "again",
                   "credential": answer})
    assert r.status == 400
    # Sign in: the waiting sign-in carries the request options.
    r = session(server, "dave")
    assert r.json["data"]["methods"] == ["recovery_code", "webauthn"]
    waiting, request = r.json["data"]["partial_session_id"], r.json["data"]["webauthn"]
    assert request["allowCredentials"][0]["id"] == answer["id"]
    r = call(server, "POST", "/sessions", origin=origin,
             body={"partial_session_id": waiting, "webauthn": key.get(request)})
    assert r.status == 201, r.text
    logins = server.log("--action", "login", "--username", "dave")
    assert logins[0]["detail"] == "password and security key 'YubiKey'"
    # A counter that does not grow is a cloned key; a wrong origin is refused.
    r = session(server, "dave")
    waiting, request = r.json["data"]["partial_session_id"], r.json["data"]["webauthn"]
    r = call(server, "POST", "/sessions", origin=origin,
             body={"partial_session_id": waiting, "webauthn": key.get(request, count_step=0)})
    assert r.json["type"] == "not-authenticated/two-factor-authentication-error"
    assert "cloned" in server.log("--action", "failedlogin")[0]["detail"]
    other = SecurityKey("https://localhost:1")
    other.id, other.key = key.id, key.key
    other.count = key.count
    r = call(server, "POST", "/sessions", origin=origin,
             body={"partial_session_id": waiting, "webauthn": other.get(request)})
    assert r.status == 401
    assert "origin" in server.log("--action", "failedlogin")[0]["detail"]
    # The key is listed, and removed.
    token = session(server, "dave")
    waiting, request = token.json["data"]["partial_session_id"], token.json["data"]["webauthn"]
    token = call(server, "POST", "/sessions", origin=origin,
                 body={"partial_session_id": waiting, "webauthn": key.get(request)}).json["id"]
    keys = call(server, "GET", "/me/2fa", token=token).json["webauthn"]
    assert [k["name"] for k in keys] == ["YubiKey"] and keys[0]["last_used_at"]
    assert call(server, "DELETE", f"/me/2fa/webauthn/{keys[0]['id']}", token=token).status == 204
    assert session(server, "dave").status == 201
