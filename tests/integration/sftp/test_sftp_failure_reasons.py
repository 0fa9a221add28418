"""Every reason an SFTP login can be refused, as `log search` records it.

The client is told nothing but SSH's generic failure; the action log has the precise reason.
"""
import sqlite3
import subprocess
import time

import paramiko
import pytest

GOOD = "Correct-Horse-9-Battery"
WRONG = "Wrong-Horse-9-Battery"


def refused_password(server, user, password):
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect()
    with pytest.raises(paramiko.AuthenticationException):
        t.auth_password(user, password)
    assert not t.is_authenticated()
    t.close()


def refused_key(server, user, key):
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect()
    with pytest.raises(paramiko.AuthenticationException):
        t.auth_publickey(user, key)
    t.close()


def backdate(server, sql, *args):
    """Puts a time in the past that no command sets directly (a password set long ago, a key
    that has already expired): what the passage of time would do to the database."""
    with sqlite3.connect(server.data_dir / "drawbridge.db", timeout=30) as conn:
        assert conn.execute(sql, args).rowcount == 1


def test_every_sftp_refusal_reason_is_logged(server, tmp_path):
    expected = []

    def expect(failure_type, username):
        expected.append((failure_type, username))

    server.add_user("alice")
    refused_password(server, "nobody", GOOD)
    expect("username_not_found", "nobody")
    refused_password(server, "alice", WRONG)
    expect("password_mismatch", "alice")

    key_path = tmp_path / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key_path)],
                   check=True)
    refused_key(server, "alice", paramiko.Ed25519Key.from_private_key_file(str(key_path)))
    expect("key_mismatch", "alice")

    server.add_user("bot", None, "--method", "none")
    secret = server.json("apikey", "create", "bot", "--name", "nightly")["key"]
    refused_password(server, "@api-nightly", "0" * 64)
    expect("api_key_mismatch", "@api-nightly")  # the name as the client sent it
    backdate(server, "UPDATE api_keys SET expires_at = ? WHERE name = 'nightly'",
             int(time.time()) - 60)
    refused_password(server, "@api-nightly", secret)
    expect("api_key_expired", "@api-nightly")

    server.add_user("dis")
    server.run("user", "disable", "dis")
    refused_password(server, "dis", GOOD)
    expect("disabled", "dis")

    server.add_user("gone", GOOD, "--set", "authenticate_until=2001-01-01")
    refused_password(server, "gone", GOOD)
    expect("expired_access", "gone")

    server.add_user("stale", GOOD, "--set", "password_validity_days=30")
    backdate(server, "UPDATE users SET password_set_at = ? WHERE username = 'stale'",
             int(time.time()) - 31 * 86400)
    refused_password(server, "stale", GOOD)
    expect("password_expired", "stale")

    server.add_user("fresh", GOOD, "--require-password-change")
    refused_password(server, "fresh", GOOD)
    expect("password_change_required", "fresh")

    server.add_user("invited", None, "--method", "email_signup", "--email", "i@example.com")
    refused_password(server, "invited", GOOD)
    expect("signup_incomplete", "invited")

    server.add_user("keysonly", None, "--method", "none")
    refused_password(server, "keysonly", GOOD)
    expect("method_not_allowed", "keysonly")

    server.add_user("ftponly", GOOD, "--set", "sftp_permission=false")
    refused_password(server, "ftponly", GOOD)
    expect("no_sftp_permission", "ftponly")

    server.add_user("office", GOOD, "--set", "allowed_ips=10.0.0.0/8")
    refused_password(server, "office", GOOD)
    expect("ip_mismatch", "office")  # the user's own list

    server.add_user("locked")
    backdate(server, "UPDATE users SET lockout_expires = ? WHERE username = 'locked'",
             int(time.time()) + 3600)  # as the lockout after repeated failures will set it
    refused_password(server, "locked", GOOD)
    expect("locked_out", "locked")

    # One user's own list admits 127.0.0.1, so connections from it get as far as a login (with
    # no list admitting it, the connection is refused before the handshake: see
    # test_sftp_transport.py).
    server.add_user("roamer", GOOD, "--set", "allowed_ips=127.0.0.1/32")
    server.run("site", "set", "allowed_ips=10.0.0.0/8")
    refused_password(server, "alice", GOOD)
    expect("ip_mismatch", "alice")  # the site's list
    server.run("site", "set", "allowed_ips=")

    # config: region = "test-region"; the site must be served from another one.
    server.run("site", "set", "allowed_region=other", "--yes")
    refused_password(server, "alice", GOOD)
    expect("region_mismatch", "alice")

    entries = list(reversed(server.log("--action", "failedlogin", "--limit", "100")))
    assert [(e["failure_type"], e["username"]) for e in entries] == expected, \
        [(e["failure_type"], e["username"]) for e in entries]
    for e in entries:
        assert e["interface"] == "sftp" and e["ip"] == "127.0.0.1", e
        assert GOOD not in str(e) and WRONG not in str(e) and secret not in str(e)
    # Each reason is found by its own filter too.
    for failure_type in {f for f, _ in expected}:
        found = server.log("--failure-type", failure_type, "--interface", "sftp")
        assert [e["username"] for e in reversed(found)] == \
            [u for f, u in expected if f == failure_type], failure_type


def test_refusals_after_a_key_or_keyboard_interactive_are_logged_once(server, tmp_path):
    """Account state is checked whatever the credential, and a key probe is not an attempt."""
    server.add_user("kim")
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    server.run("sshkey", "add", "kim", "--file", f"{key}.pub")
    server.run("user", "set", "kim", "authenticate_until=2001-01-01")
    # OpenSSH's client asks whether the key would do before it signs: one attempt, one entry.
    proc = subprocess.run(["sftp", "-b", "-", "-P", str(server.sftp_port), "-i", str(key),
                           "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                           "-o", "BatchMode=yes", "-o", "PreferredAuthentications=publickey",
                           "-o", "LogLevel=ERROR", "kim@127.0.0.1"],
                          input="pwd\n", capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    entries = server.log("--action", "failedlogin")
    assert [(e["failure_type"], e["interface"]) for e in entries] == [("expired_access", "sftp")]

    server.add_user("ken", GOOD, "--require-password-change")
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect()
    with pytest.raises(paramiko.AuthenticationException):
        t.auth_interactive("ken", lambda title, instructions, prompts: [GOOD for _ in prompts])
    t.close()
    assert server.log("--action", "failedlogin")[0]["failure_type"] == "password_change_required"
