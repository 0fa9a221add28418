"""Folder permissions and the atomic_uploads site setting over FTPS, with Python's ftplib against
the real server (the FTP twin of tests/integration/sftp/test_sftp_permissions.py)."""
import ftplib
import io
import ssl
import subprocess
import time

import pytest

from ftp_helpers import GOOD, ftps

DENIED = "550 Permission denied."


def denied(fn, *args, **kwargs):
    with pytest.raises(ftplib.error_perm) as e:
        fn(*args, **kwargs)
    assert str(e.value) == DENIED, str(e.value)


def put(f, path, data=b"x", **kwargs):
    return f.storbinary("STOR " + path, io.BytesIO(data), **kwargs)


def get(f, path):
    buf = io.BytesIO()
    f.retrbinary("RETR " + path, buf.write)
    return buf.getvalue()


def mlsd(f, path):
    return list(f.mlsd(path))


@pytest.fixture
def alice(server):
    server.add_user("alice")
    root = server.files("alice")
    for d in ("ro/sub/deep", "ro/open", "nolist", "drop", "keep", "box", "pub"):
        (root / d).mkdir(parents=True, exist_ok=True)
    (root / "ro" / "report.txt").write_text("quarterly\n")
    (root / "ro" / "sub" / "deep" / "old.txt").write_text("old\n")
    (root / "nolist" / "known.txt").write_text("known\n")
    (root / "keep" / "k.txt").write_text("kept\n")
    (root / "box" / "b.txt").write_text("boxed\n")
    for path, allow in (("/ro", "list,read"), ("/ro/open", "all"), ("/nolist", "read,write"),
                        ("/drop", "write"), ("/keep", "list,read,write"),
                        ("/box", "write,delete")):
        server.run("permission", "set", "alice", path, "--allow", allow)
    f = ftps(server)
    yield server, f
    f.close()


def test_a_read_only_folder_and_everything_below_it(alice):
    server, f = alice
    root = server.files("alice")
    for folder in ("/ro", "/ro/sub", "/ro/sub/deep"):
        assert f.nlst(folder) is not None
        assert mlsd(f, folder) is not None
        denied(put, f, folder + "/new.txt")
        denied(f.mkd, folder + "/d")
    assert get(f, "/ro/report.txt") == b"quarterly\n"
    assert get(f, "/ro/sub/deep/old.txt") == b"old\n"
    denied(f.delete, "/ro/report.txt")
    denied(f.rmd, "/ro/sub/deep")
    denied(f.rename, "/ro/report.txt", "/report.txt")
    denied(f.sendcmd, "MFMT 20200101000000 /ro/report.txt")
    denied(f.sendcmd, "MDTM 20200101000000 /ro/report.txt")
    denied(f.storbinary, "APPE /ro/report.txt", io.BytesIO(b"more"))
    denied(put, f, "/ro/report.txt", b"resumed", rest=3)  # REST + STOR writes too
    denied(f.storbinary, "STOU /ro/sub/x", io.BytesIO(b"unique"))
    assert (root / "ro" / "report.txt").read_text() == "quarterly\n"
    # MLSx's perm fact tells the client what the rules allow.
    assert "perm=r;" in f.sendcmd("MLST /ro/report.txt")
    assert dict(mlsd(f, "/ro"))["open"]["perm"] == "flcdmpe"
    assert dict(mlsd(f, "/ro"))["sub"]["perm"] == "le"
    assert sorted(p.name for p in (root / "ro").iterdir()) == ["open", "report.txt", "sub"]
    # A deeper rule takes over below it.
    put(f, "/ro/open/ok.txt", b"fine")
    f.sendcmd("MFMT 20200101000000 /ro/open/ok.txt")
    f.delete("/ro/open/ok.txt")


def test_a_folder_without_list_still_serves_known_names(alice):
    _, f = alice
    denied(f.nlst, "/nolist")
    denied(f.dir, "/nolist", lambda line: None)
    denied(mlsd, f, "/nolist")
    denied(f.sendcmd, "STAT /nolist")
    f.cwd("/nolist")
    denied(f.nlst)  # the current folder, without an argument
    assert f.size("known.txt") == 6
    assert f.sendcmd("MDTM known.txt").startswith("213 ")
    assert "type=file" in f.sendcmd("MLST known.txt")
    # One file's line shows no more than MLST does.
    assert f.nlst("known.txt") == ["/nolist/known.txt"]
    assert get(f, "known.txt") == b"known\n"
    put(f, "up.txt")


def test_a_write_only_drop_box(alice):
    server, f = alice
    root = server.files("alice")
    assert put(f, "/drop/in.txt", b"confidential").startswith("226")
    assert (root / "drop" / "in.txt").read_bytes() == b"confidential"
    reply = f.storbinary("STOU /drop/in.txt", io.BytesIO(b"another"))
    assert reply.startswith("226")
    assert len(list((root / "drop").iterdir())) == 2
    denied(get, f, "/drop/in.txt")
    assert "perm=aw;" in f.sendcmd("MLST /drop/in.txt")
    assert "perm=cme;" in f.sendcmd("MLST /drop")
    denied(f.nlst, "/drop")
    denied(f.dir, "/drop", lambda line: None)
    denied(mlsd, f, "/drop")
    denied(f.delete, "/drop/in.txt")
    # Nor can the upload be taken out of the box to be read elsewhere.
    denied(f.rename, "/drop/in.txt", "/mine.txt")
    assert not (root / "mine.txt").exists()
    # The session still works after the refusals.
    assert put(f, "/drop/second.txt", b"2").startswith("226")


def test_a_rename_must_not_widen_access(alice):
    server, f = alice
    root = server.files("alice")
    # /box allows write and delete: RNFR passes, but the file must not become readable in /pub.
    assert f.sendcmd("RNFR /box/b.txt").startswith("350")
    denied(f.sendcmd, "RNTO /pub/b.txt")
    assert (root / "box" / "b.txt").exists() and not (root / "pub" / "b.txt").exists()
    # Within the box nothing widens.
    f.rename("/box/b.txt", "/box/renamed.txt")
    assert (root / "box" / "renamed.txt").read_text() == "boxed\n"
    # Nor into a folder that does not allow write.
    put(f, "/pub/p.txt", b"p")
    denied(f.rename, "/pub/p.txt", "/ro/p.txt")
    assert (root / "pub" / "p.txt").exists()
    f.rename("/pub/p.txt", "/pub/q.txt")


def test_a_folder_without_delete_keeps_its_files(alice):
    server, f = alice
    denied(f.delete, "/keep/k.txt")
    denied(f.rename, "/keep/k.txt", "/keep/renamed.txt")
    denied(f.rmd, "/keep")
    put(f, "/keep/more.txt", b"more")
    assert sorted(f.nlst("/keep")) == ["k.txt", "more.txt"]
    assert (server.files("alice") / "keep" / "k.txt").read_text() == "kept\n"


def test_refusals_are_audited_and_rules_apply_from_the_next_session(alice):
    server, f = alice
    denied(f.delete, "/ro/report.txt")
    denied(get, f, "/drop/x.txt")
    denied(f.nlst, "/drop")
    denied(f.mkd, "/ro/d")
    for action, path in (("destroy", "/ro/report.txt"), ("read", "/drop/x.txt"),
                         ("list", "/drop"), ("mkdir", "/ro/d")):
        entry = server.log("--username", "alice", "--action", action)[0]
        assert entry["path"] == path and "Permission denied" in entry["detail"], entry
        assert entry["interface"] == "ftp"
    denied(f.rename, "/drop/in.txt", "/mine.txt")
    entry = server.log("--username", "alice", "--action", "move")[0]
    assert entry["path"] == "/drop/in.txt" and "Permission denied" in entry["detail"]
    server.run("permission", "remove", "alice", "/ro")
    denied(f.delete, "/ro/report.txt")  # this session keeps the rules it started with
    fresh = ftps(server)
    try:
        fresh.delete("/ro/report.txt")
    finally:
        fresh.close()


def test_without_atomic_uploads_the_final_name_fills_as_data_arrives(server):
    server.add_user("alice")
    root = server.files("alice")
    root.mkdir(parents=True)
    chunk = b"x" * 32768

    def upload_and_look(name):
        """Sends one chunk, waits until the server has written it, and returns what the disk
        shows before the upload ends."""
        f = ftps(server)
        try:
            conn = f.transfercmd("STOR " + name)
            conn.sendall(chunk)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                sizes = {p.name: p.stat().st_size for p in root.iterdir()}
                if len(chunk) in sizes.values():
                    break
                time.sleep(0.05)
            conn.sendall(chunk)
            if isinstance(conn, ssl.SSLSocket):
                conn.unwrap()
            conn.close()
            assert f.voidresp().startswith("226")
            assert (root / name).stat().st_size == 2 * len(chunk)
            return sizes
        finally:
            f.close()

    shown = upload_and_look("atomic.bin")
    assert "atomic.bin" not in shown
    assert any(n.startswith(".drawbridge-upload-") for n in shown)

    server.run("site", "set", "atomic_uploads=false")
    shown = upload_and_look("direct.bin")
    assert shown.get("direct.bin") == len(chunk)
    assert not any(n.startswith(".drawbridge-upload-") for n in shown)


def test_curl_in_a_drop_box(server, tmp_path):
    server.add_user("bob")
    (server.files("bob") / "drop").mkdir(parents=True)
    server.run("permission", "set", "bob", "/drop", "--allow", "write")
    src = tmp_path / "report.csv"
    src.write_text("a,b\n1,2\n")
    curl = ["curl", "-sS", "--max-time", "60", "-k", "--ssl-reqd", "-u", f"bob:{GOOD}"]
    url = f"ftp://127.0.0.1:{server.ftp_port}"

    proc = subprocess.run([*curl, "-T", str(src), f"{url}/drop/report.csv"], capture_output=True,
                          text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr
    assert (server.files("bob") / "drop" / "report.csv").read_text() == "a,b\n1,2\n"
    for args in ([f"{url}/drop/report.csv", "-o", str(tmp_path / "back.csv")],
                 [f"{url}/drop/"],
                 [url, "-Q", "DELE /drop/report.csv"]):
        proc = subprocess.run([*curl, *args], capture_output=True, text=True, timeout=90)
        assert proc.returncode != 0, args
        assert "550" in proc.stderr, proc.stderr
    assert not (tmp_path / "back.csv").exists()
    assert (server.files("bob") / "drop" / "report.csv").exists()
    refused = [e for e in server.log("--username", "bob") if "Permission denied" in
               (e.get("detail") or "")]
    assert {e["action"] for e in refused} == {"read", "list", "destroy"}, refused
