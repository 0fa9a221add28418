"""One cap on failed logins per connection, for every protocol (docs/login-gate.md#per-connection-cap):
the third failed login on a connection is answered as usual and then the connection ends, with
real clients: paramiko (SFTP), ftplib (FTPS) and http.client (WebDAV Basic, REST key, REST log-in).
"""
import base64
import ftplib
import http.client
import json
import pathlib
import socket
import ssl
import sys
import time

import paramiko
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "ftp"))
from ftp_helpers import tls_context  # noqa: E402

GOOD = "Correct-Horse-9-Battery"
CLOSED_DETAIL = "the connection is closed after 3 failed logins"


def sftp_tries(server, secrets, user="alice"):
    """Password attempts on one SSH connection until it closes; how many the server took."""
    t = paramiko.Transport(socket.create_connection(("127.0.0.1", server.sftp_port), timeout=10))
    t.start_client(timeout=10)
    taken = 0
    for secret in secrets:
        if not t.is_active():
            break
        try:
            t.auth_password(user, secret)
            break
        except paramiko.AuthenticationException as e:
            taken += 1
            time.sleep(0.2)  # a close after this refusal shows in is_active() by then
        except (paramiko.SSHException, EOFError):
            break
    still_open = t.is_active()
    t.close()
    return taken, still_open


def ftp_tries(server, secrets):
    f = ftplib.FTP_TLS(context=tls_context(), timeout=20)
    f.connect("127.0.0.1", server.ftp_port)
    f.auth()
    taken, closing = 0, ""
    for secret in secrets:
        try:
            f.login("alice", secret)
            break
        except ftplib.error_perm:
            taken += 1
        except (ftplib.error_temp, EOFError, OSError) as e:
            closing = str(e)
            break
    f.close()
    return taken, closing


def https(server):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return http.client.HTTPSConnection("127.0.0.1", server.https_port, context=ctx, timeout=20)


def http_tries(server, request):
    """Requests on one keep-alive connection: the statuses, and whether the last said close."""
    c = https(server)
    statuses, closed = [], False
    for i in range(5):
        method, path, headers, body = request(i)
        try:
            c.request(method, path, body=body, headers=headers)
        except OSError:
            break
        r = c.getresponse()
        r.read()
        statuses.append(r.status)
        if (r.getheader("Connection") or "").lower() == "close":
            closed = True
            break
    c.close()
    return statuses, closed


def basic(i):
    token = base64.b64encode(f"alice:wrong-{i}".encode()).decode()
    return "PROPFIND", "/dav/", {"Authorization": "Basic " + token, "Depth": "0"}, None


def api_key(i):
    return "GET", "/api/v1/users/me", {"X-FilesAPI-Key": f"not-a-key-{i}"}, None


def session_login(i):
    body = json.dumps({"username": "alice", "password": f"wrong-{i}"})
    return "POST", "/api/v1/sessions", {"Content-Type": "application/json"}, body


@pytest.fixture
def alice(server):
    server.add_user("alice")
    return server


def test_sftp_ends_the_connection_after_three_failed_logins(alice):
    taken, still_open = sftp_tries(alice, [f"wrong-{i}" for i in range(6)])
    assert taken == 3 and not still_open
    # A repeated guess costs a hash too: it counts toward the cap, though scored once.
    taken, still_open = sftp_tries(alice, ["wrong"] * 6)
    assert taken == 3 and not still_open
    failed = alice.log("--action", "failedlogin", "--interface", "sftp", "--limit", "100")
    assert len(failed) == 4  # three distinct guesses, then the repeated one once
    assert CLOSED_DETAIL in failed[1]["detail"]
    # Two typos and the right password: still in (alice is locked out by now: bob).
    alice.add_user("bob")
    taken, still_open = sftp_tries(alice, ["typo-1", "typo-2", GOOD], user="bob")
    assert taken == 2 and still_open


def test_ftp_ends_the_connection_after_three_failed_logins(alice):
    taken, closing = ftp_tries(alice, [f"wrong-{i}" for i in range(6)])
    assert taken == 3 and closing.startswith("421 Too many failed logins"), closing
    failed = alice.log("--action", "failedlogin", "--interface", "ftp")
    assert len(failed) == 3 and CLOSED_DETAIL in failed[0]["detail"]


@pytest.mark.parametrize("request_", [basic, api_key, session_login],
                         ids=["webdav-basic", "rest-api-key", "rest-session-login"])
def test_http_ends_the_connection_after_three_failed_logins(alice, request_):
    statuses, closed = http_tries(alice, request_)
    assert len(statuses) == 3 and closed, statuses
    assert all(400 <= s < 500 for s in statuses), statuses
    failed = alice.log("--action", "failedlogin", "--limit", "100")
    assert len(failed) == 3 and CLOSED_DETAIL in failed[0]["detail"], failed
