"""rclone's SFTP backend (copy, sync, check) against the real server, by password and by key."""
import hashlib
import os
import subprocess

import pytest

GOOD = "Correct-Horse-9-Battery"


def make_tree(root):
    """Nested folders, empty and multi-MiB files: a few MiB in all."""
    files = {
        "top.txt": b"top level\n",
        "empty.bin": b"",
        "docs/readme.md": b"# readme\n" * 100,
        "docs/deep/er/still/note.txt": b"deep\n",
        "media/a.bin": os.urandom(2 * 1024 * 1024 + 3),
        "media/b.bin": os.urandom(1024 * 1024),
        "media/raw/c.bin": os.urandom(700_001),
        "name with spaces/file (1).txt": b"spaces\n",
    }
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def tree_digest(root):
    out = {}
    for dirpath, _, names in os.walk(root):
        for n in names:
            p = os.path.join(dirpath, n)
            out[os.path.relpath(p, root)] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    return out


class Rclone:
    def __init__(self, tmp_path, server, user, **auth):
        self.env = {**os.environ, "RCLONE_CONFIG": str(tmp_path / "rclone.conf"),
                    "HOME": str(tmp_path)}
        lines = ["[db]", "type = sftp", "host = 127.0.0.1", f"port = {server.sftp_port}",
                 f"user = {user}",
                 # No remote shell: hashes and `about` come from SFTP alone.
                 "shell_type = none", "md5sum_command = none", "sha1sum_command = none",
                 "set_modtime = true", "disable_hashcheck = true", "key_use_agent = false"]
        lines += [f"{k} = {v}" for k, v in auth.items()]
        (tmp_path / "rclone.conf").write_text("\n".join(lines) + "\n")

    def __call__(self, *args, check=True):
        proc = subprocess.run(["rclone", *args, "--retries", "1", "--low-level-retries", "1",
                               "--contimeout", "10s", "--timeout", "30s"],
                              capture_output=True, text=True, timeout=120, env=self.env)
        if check:
            assert proc.returncode == 0, f"rclone {args}: {proc.stdout}\n{proc.stderr}"
            # rclone goes on past some errors (a failed set of a time, say) and still exits 0.
            assert "ERROR" not in proc.stderr, f"rclone {args}: {proc.stderr}"
        return proc


def obscure(password):
    return subprocess.run(["rclone", "obscure", password], capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.fixture
def rclone_password(server, tmp_path):
    server.add_user("alice")
    return Rclone(tmp_path, server, "alice", **{"pass": obscure(GOOD)})


@pytest.fixture
def rclone_key(server, tmp_path):
    server.add_user("alice", None, "--method", "none")
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    server.run("sshkey", "add", "alice", "--file", f"{key}.pub")
    return Rclone(tmp_path, server, "alice", key_file=str(key))


def copy_sync_check(server, rclone, tmp_path):
    local = tmp_path / "local"
    files = make_tree(local)
    remote = server.files("alice")

    rclone("copy", str(local), "db:backup")
    assert tree_digest(remote / "backup") == tree_digest(local)
    # Times were kept, so a second copy finds nothing to do.
    for rel in files:
        assert int(os.stat(remote / "backup" / rel).st_mtime) == int(os.stat(local / rel).st_mtime)
    again = rclone("copy", "-v", str(local), "db:backup")
    assert "Copied" not in again.stderr, again.stderr
    # No common hash over SFTP without a shell: --download compares the contents themselves.
    rclone("check", "--download", str(local), "db:backup")

    # sync: changed files replaced, extra files and folders removed on the server.
    (local / "top.txt").write_bytes(b"changed top, a different size\n")
    (local / "media" / "b.bin").unlink()
    (local / "new" / "deeper").mkdir(parents=True)
    (local / "new" / "deeper" / "n.txt").write_bytes(b"new\n")
    (remote / "backup" / "stray.tmp").write_bytes(b"only on the server")
    (remote / "backup" / "stray-dir" / "x").mkdir(parents=True)
    (remote / "backup" / "stray-dir" / "x" / "y").write_bytes(b"y")
    rclone("sync", "--delete-during", str(local), "db:backup")
    assert tree_digest(remote / "backup") == tree_digest(local)
    assert not (remote / "backup" / "stray-dir").exists()
    assert not (remote / "backup" / "stray.tmp").exists()
    rclone("check", "--download", str(local), "db:backup")

    # check notices a difference made behind rclone's back.
    (remote / "backup" / "docs" / "readme.md").write_bytes(b"# tampered\n" * 100)
    proc = rclone("check", "--download", str(local), "db:backup", check=False)
    assert proc.returncode != 0 and "readme.md" in proc.stderr, proc.stderr

    # And back down again.
    rclone("copy", "db:backup", str(tmp_path / "down"))
    (local / "docs" / "readme.md").write_bytes(b"# tampered\n" * 100)
    assert tree_digest(tmp_path / "down") == tree_digest(local)

    listed = rclone("lsf", "-R", "db:backup").stdout.split("\n")
    assert "media/raw/c.bin" in listed and "name with spaces/file (1).txt" in listed
    return files


def test_rclone_copy_sync_check_with_a_password(server, rclone_password, tmp_path):
    copy_sync_check(server, rclone_password, tmp_path)
    actions = {e["action"] for e in server.log("--username", "alice", "--limit", "500")}
    assert {"login", "create", "read", "destroy", "mkdir"} <= actions, actions


def test_rclone_copy_sync_check_with_a_key(server, rclone_key, tmp_path):
    copy_sync_check(server, rclone_key, tmp_path)
    # rclone's own file operations: move, mkdir, rmdir, delete, about.
    rclone_key("moveto", "db:backup/top.txt", "db:moved/top.txt")
    assert (server.files("alice") / "moved" / "top.txt").exists()
    rclone_key("purge", "db:backup")
    assert not (server.files("alice") / "backup").exists()
    about = rclone_key("about", "--json", "db:")
    assert '"total"' in about.stdout, about.stdout


def test_rclone_with_a_wrong_password_fails_cleanly(server, tmp_path):
    server.add_user("alice")
    rclone = Rclone(tmp_path, server, "alice", **{"pass": obscure("Wrong-Horse-9-Battery")})
    proc = rclone("lsf", "db:", check=False)
    assert proc.returncode != 0 and "unable to authenticate" in proc.stderr, proc.stderr
    assert server.log("--action", "failedlogin")[0]["failure_type"] == "password_mismatch"
