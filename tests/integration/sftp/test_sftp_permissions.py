"""Folder permissions and the atomic_uploads site setting, with paramiko against the real server."""
import errno
import io
import subprocess

import paramiko
import pytest

GOOD = "Correct-Horse-9-Battery"


def connect(server, user="alice"):
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect()
    t.auth_password(user, GOOD)
    return t, paramiko.SFTPClient.from_transport(t)


def denied(fn, *args):
    with pytest.raises(PermissionError) as e:
        fn(*args)
    assert e.value.errno == errno.EACCES
    return e


@pytest.fixture
def alice(server):
    server.add_user("alice")
    root = server.files("alice")
    for d in ("ro/sub/deep", "ro/open", "nolist", "drop", "keep"):
        (root / d).mkdir(parents=True, exist_ok=True)
    (root / "ro" / "report.txt").write_text("quarterly\n")
    (root / "ro" / "sub" / "deep" / "old.txt").write_text("old\n")
    (root / "nolist" / "known.txt").write_text("known\n")
    (root / "keep" / "k.txt").write_text("kept\n")
    for path, allow in (("/ro", "list,read"), ("/ro/open", "all"), ("/nolist", "read,write"),
                        ("/drop", "write"), ("/keep", "list,read,write")):
        server.run("permission", "set", "alice", path, "--allow", allow)
    t, sftp = connect(server)
    yield server, sftp
    sftp.close()
    t.close()


def test_a_read_only_folder_and_everything_below_it(alice):
    server, sftp = alice
    root = server.files("alice")
    for folder in ("/ro", "/ro/sub", "/ro/sub/deep"):
        assert sftp.listdir(folder) is not None
        denied(sftp.putfo, io.BytesIO(b"new"), folder + "/new.txt")
        denied(sftp.mkdir, folder + "/d")
    assert sftp.open("/ro/report.txt").read() == b"quarterly\n"
    assert sftp.open("/ro/sub/deep/old.txt").read() == b"old\n"
    denied(sftp.remove, "/ro/report.txt")
    denied(sftp.rmdir, "/ro/sub/deep")
    denied(sftp.rename, "/ro/report.txt", "/report.txt")
    denied(sftp.chmod, "/ro/report.txt", 0o600)
    denied(sftp.open, "/ro/report.txt", "a")
    assert (root / "ro" / "report.txt").read_text() == "quarterly\n"
    assert not (root / "ro" / "new.txt").exists()
    # A deeper rule takes over below it.
    sftp.putfo(io.BytesIO(b"fine"), "/ro/open/ok.txt")
    sftp.remove("/ro/open/ok.txt")


def test_a_folder_without_list_still_serves_known_names(alice):
    _, sftp = alice
    denied(sftp.listdir, "/nolist")
    assert sftp.stat("/nolist/known.txt").st_size == 6
    assert sftp.normalize("/nolist/../nolist") == "/nolist"
    assert sftp.open("/nolist/known.txt").read() == b"known\n"
    sftp.putfo(io.BytesIO(b"x"), "/nolist/up.txt")


def test_a_write_only_drop_box(alice):
    server, sftp = alice
    # putfo confirms the size with a stat afterwards: stat stays allowed.
    sftp.putfo(io.BytesIO(b"confidential"), "/drop/in.txt")
    assert (server.files("alice") / "drop" / "in.txt").read_bytes() == b"confidential"
    denied(sftp.open, "/drop/in.txt", "r")
    denied(sftp.listdir, "/drop")
    denied(sftp.remove, "/drop/in.txt")
    # Nor can the upload be taken out of the box to be read elsewhere.
    denied(sftp.rename, "/drop/in.txt", "/mine.txt")
    denied(sftp.symlink, "/drop/in.txt", "/link.txt")
    assert not (server.files("alice") / "mine.txt").exists()


def test_a_folder_without_delete_keeps_its_files(alice):
    server, sftp = alice
    denied(sftp.remove, "/keep/k.txt")
    denied(sftp.rename, "/keep/k.txt", "/keep/renamed.txt")
    denied(sftp.rmdir, "/keep")
    sftp.putfo(io.BytesIO(b"more"), "/keep/more.txt")
    assert sorted(sftp.listdir("/keep")) == ["k.txt", "more.txt"]
    assert (server.files("alice") / "keep" / "k.txt").read_text() == "kept\n"


def test_refusals_are_audited_and_rules_apply_from_the_next_session(alice):
    server, sftp = alice
    denied(sftp.remove, "/ro/report.txt")
    entry = server.log("--username", "alice", "--action", "destroy")[0]
    assert entry["path"] == "/ro/report.txt" and "Permission denied" in entry["detail"]
    assert entry["interface"] == "sftp"
    server.run("permission", "remove", "alice", "/ro")
    t, fresh = connect(server)
    try:
        fresh.remove("/ro/report.txt")
    finally:
        fresh.close()
        t.close()


def test_without_atomic_uploads_the_final_name_fills_as_data_arrives(server):
    server.add_user("alice")
    root = server.files("alice")
    chunk = b"x" * 32768

    def upload_and_look(name):
        """Writes one chunk, then returns what the server's disk shows before close."""
        t, sftp = connect(server)
        try:
            f = sftp.open("/" + name, "wb")
            f.write(chunk)
            f.flush()
            shown = sorted(p.name for p in root.iterdir())
            size = (root / name).stat().st_size if (root / name).exists() else None
            f.write(chunk)
            f.close()
            assert (root / name).stat().st_size == 2 * len(chunk)
            return shown, size
        finally:
            sftp.close()
            t.close()

    shown, size = upload_and_look("atomic.bin")
    assert "atomic.bin" not in shown and any(n.startswith(".drawbridge-upload-") for n in shown)

    server.run("site", "set", "atomic_uploads=false")
    shown, size = upload_and_look("direct.bin")
    assert "direct.bin" in shown and size == len(chunk)
    assert not any(n.startswith(".drawbridge-upload-") for n in shown)


def test_openssh_sftp_in_a_drop_box(server, tmp_path):
    server.add_user("bob")
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    server.run("sshkey", "add", "bob", "--file", f"{key}.pub")
    (server.files("bob") / "drop").mkdir(parents=True)
    server.run("permission", "set", "bob", "/drop", "--allow", "write")
    src = tmp_path / "report.csv"
    src.write_text("a,b\n1,2\n")

    def batch(commands):
        return subprocess.run(
            ["sftp", "-b", "-", "-P", str(server.sftp_port), "-i", str(key),
             "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
             "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "bob@127.0.0.1"],
            input=commands, capture_output=True, text=True, timeout=60)

    proc = batch(f"put {src} /drop/report.csv\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (server.files("bob") / "drop" / "report.csv").read_text() == "a,b\n1,2\n"
    for command in ("ls /drop", f"get /drop/report.csv {tmp_path}/back.csv",
                    "rm /drop/report.csv"):
        proc = batch(command + "\n")
        assert proc.returncode != 0, command
        assert "Permission denied" in proc.stderr, proc.stderr
    assert not (tmp_path / "back.csv").exists()
