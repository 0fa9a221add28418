"""Logins through the gate, the action log, keys and imported hashes, with the real binary."""
import hashlib
import json
import os
import signal
import subprocess
import time

import pytest

from conftest import BINARY, Drawbridge

GOOD = "Correct-Horse-9-Battery"


def test_login_try_records_success_and_real_failure_reasons(db):
    db.add_user("alice")
    out, rc = db.try_login("alice", GOOD, ip="192.0.2.10")
    assert rc == 0 and out["success"]
    out, rc = db.try_login("alice", "Wrong-Horse-9-Battery")
    assert rc == 1 and out["failure_type"] == "password_mismatch"
    out, rc = db.try_login("nobody", "x")
    assert out["failure_type"] == "username_not_found"
    db.run("user", "disable", "alice")
    out, _ = db.try_login("alice", GOOD)
    assert out["failure_type"] == "disabled"

    failures = db.log("--action", "failedlogin")
    assert [e["failure_type"] for e in failures] == ["disabled", "username_not_found",
                                                    "password_mismatch"]
    assert all(e["interface"] == "cli" for e in failures)
    assert GOOD not in str(failures) and "Wrong-Horse" not in str(failures)
    logins = db.log("--action", "login", "--ip", "192.0.2.10")
    assert len(logins) == 1 and logins[0]["username"] == "alice"
    assert db.json("user", "show", "alice")["last_login_at"] is not None
    assert len(db.log("--failure-type", "username_not_found", "--username", "NOBODY")) == 1


def test_log_search_filters_and_pages_with_a_cursor(db):
    db.add_user("alice")
    for i in range(7):
        db.try_login("alice", f"wrong-{i}", ip=f"198.51.100.{i}")
    page1 = db.json("log", "search", "--action", "failedlogin", "--limit", "3")
    assert len(page1["entries"]) == 3 and page1["next_cursor"]
    page2 = db.json("log", "search", "--action", "failedlogin", "--limit", "3",
                    "--cursor", str(page1["next_cursor"]))
    page3 = db.json("log", "search", "--action", "failedlogin", "--limit", "3",
                    "--cursor", str(page2["next_cursor"]))
    ids = [e["id"] for p in (page1, page2, page3) for e in p["entries"]]
    assert len(ids) == 7 == len(set(ids)) and ids == sorted(ids, reverse=True)
    assert db.log("--ip", "198.51.100.3")[0]["ip"] == "198.51.100.3"
    assert db.log("--interface", "ftp") == []
    assert len(db.log("--since", "2000-01-01", "--action", "failedlogin")) == 7
    assert db.log("--until", "2000-01-01") == []
    for bad in (["--failure-type", "bogus"], ["--interface", "gopher"], ["--ip", "1.2.3"],
                ["--since", "yesterday"], ["--action", "failed_login"]):
        proc = db.run("log", "search", *bad, check=False)
        assert proc.returncode != 0 and bad[0] in proc.stderr, proc.stderr
    # Unknown values are errors, not empty answers (issue 11, bug 13).
    assert "expected one of login, failedlogin" in db.run(
        "log", "search", "--action", "failed_login", check=False).stderr
    contradiction = db.run("user", "list", "--enabled", "--disabled", check=False)
    assert contradiction.returncode != 0 and "exclude each other" in contradiction.stderr
    assert "failedlogin" in db.run("log", "search").stdout


def test_login_check_explains_without_recording(db):
    db.add_user("alice", GOOD, "--set", "ftp_permission=false", "--set", "allowed_ips=10.0.0.0/8")
    db.run("user", "disable", "alice")
    before = len(db.log())

    def check(*args):
        proc = db.run("login", "check", "alice", *args, "--json", check=False)
        result = json.loads(proc.stdout)
        # Scriptable: non-zero exactly when the login would be refused (issue 11, bug 14).
        assert proc.returncode == (1 if result["refused"] else 0), proc.stderr
        return result

    result = check("--protocol", "ftp", "--ip", "203.0.113.5")
    types = {r["failure_type"] for r in result["reasons"]}
    assert {"ip_mismatch", "disabled", "no_ftp_permission"} <= types
    assert result["refused"] is True
    assert len(db.log()) == before
    db.run("user", "enable", "alice")
    result = check("--protocol", "sftp", "--ip", "10.1.1.1")
    assert result["reasons"] == [] and result["refused"] is False
    assert db.run("login", "check", "alice", "--protocol", "sftp", "--ip", "10.1.1.1").returncode == 0
    db.run("site", "set", "allowed_region=elsewhere", "site_hostname=files.example.com", "--yes")
    result = check("--protocol", "sftp", "--ip", "10.1.1.1")
    assert result["reasons"][0]["failure_type"] == "region_mismatch"
    text = db.run("login", "check", "alice", "--protocol", "sftp", "--ip", "10.1.1.1", check=False)
    assert text.returncode == 1 and "region_mismatch" in text.stdout
    assert result["reasons"][0]["detail"] == \
        "Your account must login using a different server, https://files.example.com."
    proc = db.run("login", "check", "alice", "--protocol", "gopher", "--ip", "10.1.1.1", check=False)
    assert proc.returncode != 0 and "--protocol" in proc.stderr


def test_api_keys_create_use_and_revoke(db):
    db.add_user("bot", None, "--method", "none")
    created = db.json("apikey", "create", "bot", "--name", "nightly", "--description", "backup")
    secret = created["key"]
    assert len(secret) == 64
    out, rc = db.try_login("@api-nightly", secret)
    assert rc == 0, out
    out, rc = db.try_login(f"@api-{created['id']}", secret)
    assert rc == 0, out
    out, rc = db.try_login("@api-nightly", "f" * 64)
    assert out["failure_type"] == "api_key_mismatch"
    keys = db.json("apikey", "list", "bot")
    assert keys[0]["name"] == "nightly" and keys[0]["last_use_at"] and "key" not in keys[0]
    human = db.run("apikey", "list", "bot").stdout
    assert "nightly" in human and secret not in human
    db.run("apikey", "revoke", "bot", "nightly")
    assert db.json("apikey", "list", "bot") == []
    out, _ = db.try_login("@api-nightly", secret)
    assert out["failure_type"] == "api_key_mismatch"
    proc = db.run("apikey", "create", "bot", "--name", "old", "--expires", "2000-01-01", check=False)
    assert proc.returncode == 1 and "past" in proc.stderr
    assert any(e["action"] == "api_key_create" for e in db.log("--username", "bot"))


def test_ssh_keys_match_ssh_keygen_fingerprints(db, tmp_path):
    db.add_user("alice")
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "laptop", "-f", str(key)],
                   check=True)
    fingerprint = subprocess.run(["ssh-keygen", "-lf", f"{key}.pub"], capture_output=True,
                                 text=True, check=True).stdout.split()[1]
    added = db.json("sshkey", "add", "alice", "--file", f"{key}.pub")
    assert added["fingerprint_sha256"] == fingerprint and added["title"] == "laptop"
    listed = db.json("sshkey", "list", "alice")
    assert [k["fingerprint_sha256"] for k in listed] == [fingerprint]
    proc = db.run("sshkey", "add", "alice", input=(tmp_path / "id_ed25519.pub").read_text(),
                  check=False)
    assert proc.returncode == 1 and "already registered" in proc.stderr

    weak = tmp_path / "id_rsa"
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "1024", "-N", "", "-f", str(weak)],
                   check=True)
    proc = db.run("sshkey", "add", "alice", "--file", f"{weak}.pub", check=False)
    assert proc.returncode == 1 and "at least 2048 bits" in proc.stderr
    proc = db.run("sshkey", "add", "alice", input="not a key\n", check=False)
    assert proc.returncode == 1 and "SSH key refused" in proc.stderr

    strong = tmp_path / "id_rsa3072"
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "3072", "-N", "", "-f", str(strong)],
                   check=True)
    db.run("sshkey", "add", "alice", "--title", "build server", input=(tmp_path / "id_rsa3072.pub").read_text())
    assert len(db.json("sshkey", "list", "alice")) == 2
    db.run("sshkey", "remove", "alice", fingerprint)
    assert [k["title"] for k in db.json("sshkey", "list", "alice")] == ["build server"]


def tool(*args, input=None):
    return subprocess.run(args, capture_output=True, text=True, check=True, input=input).stdout.strip()


def py(code):
    return tool("/usr/bin/python3", "-c", code)


PW = "Imported#Pass1"


def imported_hash_vectors():
    """Hashes made by tools nobody here wrote, each for the password PW."""
    salt = "NaCl4salt"
    vectors = {
        "openssl -1": tool("openssl", "passwd", "-1", PW),
        "openssl -5": tool("openssl", "passwd", "-5", PW),
        "openssl -6": tool("openssl", "passwd", "-6", PW),
        "mkpasswd sha512 rounds": tool("mkpasswd", "-m", "sha512crypt", "-R", "10000", PW),
        "mkpasswd descrypt": tool("mkpasswd", "-m", "descrypt", PW),
        "mkpasswd md5crypt": tool("mkpasswd", "-m", "md5crypt", PW),
        "mkpasswd bcrypt": tool("mkpasswd", "-m", "bcrypt", PW),
        "mkpasswd yescrypt": tool("mkpasswd", "-m", "yescrypt", PW),
        "raw md5": hashlib.md5(PW.encode()).hexdigest(),
        "raw sha1": hashlib.sha1(PW.encode()).hexdigest(),
        "raw sha256": hashlib.sha256(PW.encode()).hexdigest().upper(),
        "raw sha512": hashlib.sha512(PW.encode()).hexdigest(),
        "salted sha256 pw+salt": hashlib.sha256((PW + salt).encode()).hexdigest() + ":" + salt,
        "salted sha1 salt+pw": hashlib.sha1((salt + PW).encode()).hexdigest() + ":" + salt,
        "passlib pbkdf2_sha256": py(
            f"from passlib.hash import pbkdf2_sha256; print(pbkdf2_sha256.using(rounds=2000).hash({PW!r}))"),
        "passlib pbkdf2_sha512": py(
            f"from passlib.hash import pbkdf2_sha512; print(pbkdf2_sha512.using(rounds=2000).hash({PW!r}))"),
        "django pbkdf2_sha256": py(
            "import hashlib,base64;"
            f"d=hashlib.pbkdf2_hmac('sha256',{PW!r}.encode(),b'djsalt',3000);"
            "print('pbkdf2_sha256$3000$djsalt$'+base64.b64encode(d).decode())"),
    }
    return vectors


@pytest.mark.parametrize("name", list(imported_hash_vectors().keys()))
def test_imported_hashes_from_other_tools(db, name):
    hashed = imported_hash_vectors()[name]
    db.run("user", "add", "mig", "--import-hash", input=hashed + "\n")
    assert db.json("user", "show", "mig")["authentication_method"] == "password_with_imported_hash"
    out, rc = db.try_login("mig", PW.lower())
    assert rc == 1 and out["failure_type"] == "password_mismatch"
    out, rc = db.try_login("mig", PW)
    assert rc == 0, (name, hashed, out)
    # Re-stored natively on first success; the method becomes password.
    assert db.json("user", "show", "mig")["authentication_method"] == "password"
    out, rc = db.try_login("mig", PW)
    assert rc == 0, out
    assert "PBKDF2" in db.log("--action", "login")[1]["detail"]


def test_malformed_imported_hash_is_refused_with_its_reason(db):
    proc = db.run("user", "add", "mig", "--import-hash", input="$6$salt$short\n", check=False)
    assert proc.returncode == 1 and "imported hash refused" in proc.stderr
    proc = db.run("user", "add", "mig", "--import-hash", input="abc123\n", check=False)
    assert proc.returncode == 1 and "imported hash refused" in proc.stderr
    assert db.json("user", "list") == []


def test_serve_initialises_the_data_dir_and_prints_the_admin_once(tmp_path):
    db = Drawbridge(tmp_path, init=False)  # no site yet: serve creates it
    assert not db.data_dir.exists()

    def start():
        return subprocess.Popen([BINARY, "serve", "--data-dir", str(db.data_dir), "--config",
                                 str(db.config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)

    proc = start()
    lines = []
    deadline = time.time() + 30
    while time.time() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if "ready" in line:
            break
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=10)
    output = "".join(lines) + proc.stdout.read()
    assert proc.returncode == 0, output
    assert "username: admin" in output
    password = output.split("password: ")[1].split()[0]
    assert (db.data_dir / "drawbridge.db").exists() and (db.data_dir / "files").is_dir()
    assert oct(os.stat(db.data_dir).st_mode & 0o777) == "0o700"
    admin = db.json("user", "show", "admin")
    assert admin["site_admin"] is True
    out, rc = db.try_login("admin", password)
    assert rc == 0, out

    proc = start()
    second = []
    while True:
        line = proc.stdout.readline()
        second.append(line)
        if "ready" in line or not line:
            break
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=10)
    assert "password:" not in "".join(second)
