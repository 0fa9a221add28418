"""Site settings the gate enforces for the whole node, with real clients: sftp_enabled=false
refuses paramiko and OpenSSH's sftp (logged as protocol_disabled) and ends open SFTP sessions,
and country rules fail closed when the GeoIP database goes missing while the server runs.
(ftp_enabled and dav_enabled: tests/integration/ftp/test_ftp_protocol.py and
tests/integration/http/test_dav_curl.py.)"""
import shutil
import subprocess
import time

import paramiko
import pytest

from test_login_security import GB, GEOIP, login

GOOD = "Correct-Horse-9-Battery"


def within(seconds, check):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


@pytest.fixture
def alice(server):
    server.add_user("alice")
    server.files("alice").mkdir(parents=True, exist_ok=True)
    return server


def openssh_sftp(server, key, *options):
    return subprocess.run(["sftp", "-b", "-", "-P", str(server.sftp_port), "-i", str(key),
                           "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                           "-o", "BatchMode=yes", "-o", "PreferredAuthentications=publickey",
                           *options, "alice@127.0.0.1"],
                          input="pwd\n", capture_output=True, text=True, timeout=60)


def test_sftp_enabled_false_refuses_paramiko_and_openssh(alice, tmp_path):
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    alice.run("sshkey", "add", "alice", "--file", f"{key}.pub")
    assert openssh_sftp(alice, key).returncode == 0
    alice.run("site", "set", "sftp_enabled=false", "sftp_show_failure_reasons=true")

    t = paramiko.Transport(("127.0.0.1", alice.sftp_port))
    t.connect()
    with pytest.raises(paramiko.AuthenticationException):
        t.auth_password("alice", GOOD)
    t.close()
    # OpenSSH signs with its key and is refused; the banner says why (the switch is site-wide,
    # so telling it reveals nothing about the account).
    proc = openssh_sftp(alice, key, "-o", "LogLevel=INFO")
    assert proc.returncode != 0
    assert "Protocol Disabled" in proc.stderr, proc.stderr

    entries = alice.log("--action", "failedlogin", "--interface", "sftp")
    assert [e["failure_type"] for e in entries] == ["protocol_disabled", "protocol_disabled"]
    assert all("site setting sftp_enabled=false" in e["detail"] for e in entries)
    # Not a guess: no lockout, and the account works again as soon as SFTP is back.
    alice.run("site", "set", "sftp_enabled=true")
    assert openssh_sftp(alice, key).returncode == 0


def test_sftp_enabled_false_ends_open_sessions(alice):
    t = paramiko.Transport(("127.0.0.1", alice.sftp_port))
    t.connect()
    t.auth_password("alice", GOOD)
    sftp = paramiko.SFTPClient.from_transport(t)
    with sftp.open("/before.txt", "w") as f:
        f.write(b"before")
    alice.run("site", "set", "sftp_enabled=false")
    assert within(5, lambda: not t.is_active())
    assert not (alice.files("alice") / "after.txt").exists()
    text = alice.log_file.read_text()
    assert "session of 'alice' ended" in text and "protocol_disabled" in text


def test_countries_fail_closed_when_the_database_goes_missing(server_with, tmp_path):
    if not GEOIP.exists():
        pytest.skip(f"{GEOIP} is missing (the shared test data beside the repository)")
    copy = tmp_path / "countries.mmdb"
    shutil.copy(GEOIP, copy)
    s = server_with(extra=f'[geoip]\ndatabase = "{copy}"\n[proxy]\ntrusted = "127.0.0.1/32"\n')
    s.add_user("alice")
    s.run("site", "set", "allowed_countries=GB")
    assert login(s, GB, "alice") is True
    copy.rename(tmp_path / "aside.mmdb")
    assert login(s, GB, "alice") is False
    e = s.log("--action", "failedlogin")[0]
    assert e["failure_type"] == "geoip_unavailable" and e["ip"] == GB
    assert f"GeoIP database {copy} is missing" in e["detail"]
    # Back in place (as geoipupdate replaces it): read again without a restart.
    (tmp_path / "aside.mmdb").rename(copy)
    assert login(s, GB, "alice") is True


def test_dav_enabled_false_stops_a_keep_alive_connection(alice):
    from test_session_rights import basic, https, request
    c = https(alice)
    assert request(c, "PUT", "/dav/one.txt", basic("alice", GOOD), b"1")[0] in (201, 204)
    alice.run("site", "set", "dav_enabled=false")
    status, body = request(c, "PUT", "/dav/two.txt", basic("alice", GOOD), b"2")
    assert status == 403 and b"dav_enabled" in body
    assert not (alice.files("alice") / "two.txt").exists()
