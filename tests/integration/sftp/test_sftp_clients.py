"""SFTP with OpenSSH's sftp and scp, and paramiko, against the real server."""
import os
import socket
import subprocess
import time

import paramiko
import pytest

GOOD = "Correct-Horse-9-Battery"
SSH_OPTS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "BatchMode=yes", "-o", "LogLevel=ERROR"]


@pytest.fixture
def keyed_user(server, tmp_path):
    server.add_user("alice")
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    server.run("sshkey", "add", "alice", "--file", f"{key}.pub")
    return key


def sftp_batch(server, key, commands, user="alice", check=True):
    proc = subprocess.run(["sftp", "-b", "-", "-P", str(server.sftp_port), "-i", str(key),
                           *SSH_OPTS, f"{user}@127.0.0.1"], input=commands, capture_output=True,
                          text=True, timeout=60)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def client(server, user="alice", password=GOOD, key=None):
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect()
    if key is not None:
        t.auth_publickey(user, key)
    else:
        t.auth_password(user, password)
    return t, paramiko.SFTPClient.from_transport(t)


def test_openssh_sftp_every_operation(server, keyed_user, tmp_path):
    src = tmp_path / "data.bin"
    src.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    out = sftp_batch(server, keyed_user, f"""
pwd
mkdir docs
put {src} docs/data.bin
ls -l docs
rename docs/data.bin docs/moved.bin
get docs/moved.bin {tmp_path}/back.bin
chmod 600 docs/moved.bin
ln -s moved.bin docs/link.bin
ln docs/moved.bin docs/hard.bin
get docs/link.bin {tmp_path}/via_link.bin
df -h
rm docs/hard.bin
rm docs/link.bin
rm docs/moved.bin
rmdir docs
""").stdout
    assert "Remote working directory: /" in out
    assert (tmp_path / "back.bin").read_bytes() == src.read_bytes()
    assert (tmp_path / "via_link.bin").read_bytes() == src.read_bytes()
    assert list(server.files("alice").iterdir()) == []
    actions = [e["action"] for e in server.log("--username", "alice", "--interface", "sftp",
                                               "--limit", "50")]
    for a in ("login", "mkdir", "create", "move", "read", "destroy", "rmdir"):
        assert a in actions, actions
    create = [e for e in server.log("--action", "create") if e["path"] == "/docs/data.bin"][0]
    assert create["bytes"] == 3 * 1024 * 1024 + 17


def test_scp_uses_sftp(server, keyed_user, tmp_path):
    src = tmp_path / "f.txt"
    src.write_text("hello over scp\n")
    base = ["scp", "-P", str(server.sftp_port), "-i", str(keyed_user), *SSH_OPTS]
    subprocess.run([*base, str(src), "alice@127.0.0.1:/f.txt"], check=True, timeout=60)
    subprocess.run([*base, "alice@127.0.0.1:/f.txt", str(tmp_path / "g.txt")], check=True,
                   timeout=60)
    assert (tmp_path / "g.txt").read_text() == "hello over scp\n"


def test_password_login_and_its_failures_in_the_log(server):
    server.add_user("bob")
    t, sftp = client(server, "bob")
    with sftp.open("/hello.txt", "w") as f:
        f.write("hi")
    assert sftp.listdir("/") == ["hello.txt"]
    t.close()

    def refused(user, password):
        with pytest.raises(paramiko.AuthenticationException):
            client(server, user, password)

    refused("bob", "Wrong-Horse-9-Battery")
    refused("nobody", GOOD)
    server.add_user("keysonly", None, "--method", "none")
    refused("keysonly", "anything")
    server.run("user", "set", "bob", "sftp_permission=false")
    refused("bob", GOOD)
    server.run("user", "set", "bob", "sftp_permission=true", "allowed_ips=10.0.0.0/8")
    refused("bob", GOOD)
    server.run("user", "set", "bob", "allowed_ips=")
    server.run("user", "disable", "bob")
    refused("bob", GOOD)
    types = [e["failure_type"] for e in server.log("--action", "failedlogin",
                                                   "--interface", "sftp")]
    assert types == ["disabled", "ip_mismatch", "no_sftp_permission", "method_not_allowed",
                     "username_not_found", "password_mismatch"]


def test_api_key_as_password(server):
    server.add_user("bot", None, "--method", "none")
    secret = server.json("apikey", "create", "bot", "--name", "nightly")["key"]
    t, sftp = client(server, "@api-nightly", secret)
    assert sftp.listdir("/") == []
    t.close()
    assert server.log("--action", "login")[0]["detail"].startswith("API key 'nightly'")


def test_password_and_key_need_both_in_either_order(server, tmp_path):
    server.add_user("both", GOOD, "--method", "password_and_ssh_key")
    key = paramiko.Ed25519Key.from_private_key_file(str(_keygen(tmp_path / "k")))
    server.run("sshkey", "add", "both", "--file", str(tmp_path / "k.pub"))
    for first in ("key", "password"):
        t = paramiko.Transport(("127.0.0.1", server.sftp_port))
        t.connect()
        if first == "key":
            assert "password" in t.auth_publickey("both", key)
            assert t.auth_password("both", GOOD) == []
        else:
            assert t.auth_password("both", GOOD) == ["publickey"]
            assert t.auth_publickey("both", key) == []
        assert t.is_authenticated()
        t.close()
    # A password alone never opens the session.
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect()
    t.auth_password("both", GOOD)
    assert not t.is_authenticated()
    t.close()


def _keygen(path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return path


def test_paths_cannot_escape_the_root(server, tmp_path):
    server.add_user("eve")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    t, sftp = client(server, "eve")
    sftp.mkdir("/d")
    root = server.files("eve")
    os.symlink(str(outside), root / "planted")
    os.symlink("../../outside/secret.txt", root / "d" / "rel")
    for path in ("../../outside/secret.txt", "/../../../etc/passwd", "/etc/passwd"):
        with pytest.raises(FileNotFoundError):
            sftp.open(path).read()
    for path in ("/planted/secret.txt", "/d/rel"):
        with pytest.raises(PermissionError):
            sftp.open(path).read()
    with pytest.raises(PermissionError):
        sftp.open("/planted/new.txt", "w").write("x")
    assert not (outside / "new.txt").exists()
    with pytest.raises(IOError):
        sftp.symlink("../../../outside", "/escape")
    assert sftp.normalize("../../..") == "/"
    t.close()


def test_a_client_killed_mid_upload_leaves_no_file(server, tmp_path):
    server.add_user("carl")
    t, sftp = client(server, "carl")
    with sftp.open("/keep.txt", "w") as f:
        f.write("old contents")
    f = sftp.open("/keep.txt", "w")
    f.write(b"x" * (4 * 1024 * 1024))
    f.flush()
    # Cut the TCP connection under the client, as a crash or a network failure would.
    t.sock.shutdown(socket.SHUT_RDWR)
    t.close()
    root = server.files("carl")
    deadline = time.time() + 10
    while time.time() < deadline and len(list(root.iterdir())) > 1:
        time.sleep(0.1)
    assert [p.name for p in root.iterdir()] == ["keep.txt"]
    assert (root / "keep.txt").read_text() == "old contents"


def test_protocol_details(server):
    server.add_user("dora")
    t, sftp = client(server, "dora")
    with sftp.open("/a.txt", "w") as f:
        f.write("0123456789")
    with sftp.open("/a.txt", "a") as f:  # append
        f.write("AB")
    with sftp.open("/a.txt", "r+") as f:  # resume at an offset
        f.seek(2)
        f.write("xy")
    assert sftp.open("/a.txt").read() == b"01xy456789AB"
    st = sftp.stat("/a.txt")
    assert st.st_size == 12
    sftp.utime("/a.txt", (1000000000, 1000000000))
    assert sftp.stat("/a.txt").st_mtime == 1000000000
    sftp.truncate("/a.txt", 3)
    assert sftp.open("/a.txt").read() == b"01x"
    with pytest.raises(IOError):
        sftp.rename("/a.txt", "/a.txt")  # v3 rename never replaces
    sftp.open("/b.txt", "w").close()
    sftp.posix_rename("/a.txt", "/b.txt")  # posix-rename@openssh.com replaces
    assert sftp.listdir("/") == ["b.txt"]
    with pytest.raises(IOError):
        sftp.open("/b.txt", "x")  # exclusive create of an existing file
    with pytest.raises(FileNotFoundError):
        sftp.stat("/missing")
    with pytest.raises(IOError):
        sftp.rmdir("/b.txt")
    sftp.mkdir("/big")
    for i in range(1100):
        sftp.open(f"/big/f{i:04}", "w").close()
    assert len(sftp.listdir("/big")) == 1100  # many READDIR batches
    # Up to sftp.max_handles_per_session (256) at once; then a clear refusal (test_sftp_limits.py).
    handles = [sftp.open(f"/big/f{i:04}") for i in range(256)]
    with pytest.raises(IOError, match="too many open handles"):
        sftp.open("/big/f0300")
    for h in handles:
        h.close()
    t.close()


def test_keyboard_interactive_password(server):
    server.add_user("kim")
    prompts_seen = []

    def handler(title, instructions, prompts):
        prompts_seen.extend(p for p, _ in prompts)
        return [GOOD for _ in prompts]

    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect()
    t.auth_interactive("kim", handler)
    assert t.is_authenticated() and prompts_seen == ["Password: "]
    t.close()

    def wrong(title, instructions, prompts):
        return ["Wrong-Horse-9-Battery" for _ in prompts]

    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect()
    with pytest.raises(paramiko.AuthenticationException):
        t.auth_interactive("kim", wrong)
    t.close()
    assert server.log("--action", "failedlogin")[0]["failure_type"] == "password_mismatch"


def test_links_copies_and_attribute_changes_are_in_the_action_log(server, keyed_user, tmp_path):
    """Issue 11, bug 5: symlink, hard link, copy-data (sftp's cp) and setstat (chmod) successes
    are logged like every other file operation, through FileSession."""
    src = tmp_path / "orig.txt"
    src.write_text("original\n")
    sftp_batch(server, keyed_user, f"""
put {src} orig.txt
ln -s orig.txt soft.txt
ln orig.txt hard.txt
chmod 600 orig.txt
""")
    root = server.files("alice")
    assert (root / "soft.txt").is_symlink() and (root / "hard.txt").read_text() == "original\n"
    entries = server.log("--username", "alice", "--interface", "sftp")
    got = {(e["action"], e["path"], e.get("destination") or "") for e in entries
           if "failed" not in (e.get("detail") or "")}
    assert ("create", "/soft.txt", "/orig.txt") in got, got
    assert ("create", "/hard.txt", "/orig.txt") in got, got
    assert ("update", "/orig.txt", "") in got, got
    # copy-data: OpenSSH's sftp has no command for it before 9.x's cp; paramiko sends the
    # extension itself.
    t, c = client(server)
    try:
        with c.open("/orig.txt", "rb") as fin, c.open("/copy.txt", "wb") as fout:
            from paramiko.py3compat import long  # paramiko's marker for a 64-bit field
            c._request(paramiko.sftp.CMD_EXTENDED, "copy-data", fin.handle, long(0), long(0),
                       fout.handle, long(0))
    finally:
        t.close()
    assert (root / "copy.txt").read_text() == "original\n"
    e = server.log("--username", "alice", "--action", "copy")[0]
    assert (e["path"], e["destination"], e["bytes"]) == ("/orig.txt", "/copy.txt", 9), e
