"""cadaver and rclone's WebDAV backend against /dav/."""
import hashlib
import os
import subprocess

from dav_curl import GOOD, alice, allow_plain_http  # noqa: F401 (alice is a fixture)


def tree(root):
    files = {
        "top.txt": b"top level\n",
        "empty.bin": b"",
        "docs/readme.md": b"# readme\n" * 100,
        "docs/deep/er/note.txt": b"deep\n",
        "media/a.bin": os.urandom(3 * 1024 * 1024 + 3),
        "name with spaces/file (1) & ü.txt": b"spaces\n",
    }
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return files


def digest(root):
    out = {}
    for dirpath, _, names in os.walk(root):
        for n in names:
            p = os.path.join(dirpath, n)
            if not n.startswith(".drawbridge-upload-"):
                out[os.path.relpath(p, root)] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    return out


def test_cadaver_session(alice, tmp_path):
    allow_plain_http(alice)  # cadaver over plain HTTP: no certificate prompt
    (tmp_path / ".netrc").write_text(f"machine 127.0.0.1 login alice password {GOOD}\n")
    os.chmod(tmp_path / ".netrc", 0o600)
    local = tmp_path / "local.txt"
    local.write_bytes(b"from cadaver\n")
    script = f"""mkcol docs
put {local} docs/one.txt
copy docs/one.txt docs/two.txt
move docs/two.txt docs/three.txt
propset docs/one.txt color blue
propget docs/one.txt color
lock docs/one.txt
unlock docs/one.txt
ls docs
get docs/three.txt {tmp_path}/back.txt
delete docs/one.txt
quit
"""
    proc = subprocess.run(["cadaver", f"http://127.0.0.1:{alice.http_port}/dav/"], input=script,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "HOME": str(tmp_path)})
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "failed" not in out.lower(), out
    assert "blue" in out, out
    assert (tmp_path / "back.txt").read_bytes() == b"from cadaver\n"
    root = alice.files("alice")
    assert sorted(os.listdir(root / "docs")) == ["three.txt"]


class Rclone:
    def __init__(self, tmp_path, server):
        self.env = {**os.environ, "RCLONE_CONFIG": str(tmp_path / "rclone.conf"),
                    "HOME": str(tmp_path)}
        obscured = subprocess.run(["rclone", "obscure", GOOD], capture_output=True, text=True,
                                  check=True, env=self.env).stdout.strip()
        (tmp_path / "rclone.conf").write_text(
            "[dav]\ntype = webdav\n"
            f"url = https://127.0.0.1:{server.https_port}/dav/\nvendor = other\n"
            f"user = alice\npass = {obscured}\n")

    def __call__(self, *args, check=True):
        proc = subprocess.run(["rclone", *args, "--no-check-certificate", "--retries", "1",
                               "--low-level-retries", "1", "--contimeout", "10s",
                               "--timeout", "30s"],
                              capture_output=True, text=True, timeout=120, env=self.env)
        if check:
            assert proc.returncode == 0, f"rclone {args}: {proc.stdout}\n{proc.stderr}"
            assert "ERROR" not in proc.stderr, f"rclone {args}: {proc.stderr}"
        return proc


def test_rclone_copy_check_sync_and_purge(alice, tmp_path):
    src = tmp_path / "src"
    files = tree(src)
    rclone = Rclone(tmp_path, alice)
    rclone("copy", str(src), "dav:backup")
    root = alice.files("alice") / "backup"
    assert digest(root) == digest(src)
    rclone("check", str(src), "dav:backup", "--download")
    listed = rclone("lsf", "-R", "dav:backup").stdout.split("\n")
    assert "name with spaces/file (1) & ü.txt" in listed

    back = tmp_path / "back"
    rclone("copy", "dav:backup", str(back))
    assert digest(back) == digest(src)

    (src / "top.txt").unlink()
    (src / "new.txt").write_bytes(b"new\n")
    rclone("sync", str(src), "dav:backup")
    assert digest(root) == digest(src)
    rclone("moveto", "dav:backup/new.txt", "dav:backup/docs/moved.txt")
    assert (root / "docs" / "moved.txt").read_bytes() == b"new\n"
    rclone("purge", "dav:backup")
    assert not root.exists()
    assert len(files) == 6
