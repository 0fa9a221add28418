"""FTP and FTPS with real clients (curl, lftp, Python's ftplib, rclone) against the real server."""
import ftplib
import io
import os
import subprocess
import threading

import pytest

from ftp_helpers import GOOD, ftps, tls_context

CURL = ["curl", "-sS", "--max-time", "60", "-k"]
LFTP_TLS = "set ssl:verify-certificate no; set ftp:ssl-force yes; set ftp:ssl-protect-data yes; "


@pytest.fixture
def alice(server):
    server.add_user("alice")
    server.files("alice").mkdir(parents=True)  # made at the first login otherwise
    return server


def lftp(server, script, user="alice", password=GOOD, check=True):
    script = " ".join(script.split())  # one line: lftp reads -e as a single command line
    proc = subprocess.run(["lftp", "-u", f"{user},{password}", "-e", script + "; quit",
                           f"ftp://127.0.0.1:{server.ftp_port}"], capture_output=True, text=True,
                          timeout=120)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def test_curl_explicit_ftps_passive(alice, tmp_path):
    src = tmp_path / "data.bin"
    src.write_bytes(os.urandom(5 * 1024 * 1024 + 3))
    url = f"ftp://127.0.0.1:{alice.ftp_port}"
    auth = ["-u", f"alice:{GOOD}", "--ssl-reqd"]
    subprocess.run([*CURL, *auth, "-T", str(src), f"{url}/docs/data.bin", "--ftp-create-dirs"],
                   check=True, timeout=90)
    subprocess.run([*CURL, *auth, f"{url}/docs/data.bin", "-o", str(tmp_path / "back.bin")],
                   check=True, timeout=90)
    assert (tmp_path / "back.bin").read_bytes() == src.read_bytes()
    listing = subprocess.run([*CURL, *auth, f"{url}/docs/"], check=True, capture_output=True,
                             text=True, timeout=60).stdout
    assert "data.bin" in listing and str(src.stat().st_size) in listing
    names = subprocess.run([*CURL, *auth, "-l", f"{url}/docs/"], check=True, capture_output=True,
                           text=True, timeout=60).stdout
    assert names.split() == ["data.bin"]
    actions = [e["action"] for e in alice.log("--username", "alice", "--interface", "ftp")]
    for a in ("login", "mkdir", "create", "read"):
        assert a in actions, actions
    create = alice.log("--action", "create")[0]
    assert create["path"] == "/docs/data.bin" and create["bytes"] == src.stat().st_size


def test_curl_implicit_ftps(alice, tmp_path):
    (alice.files("alice") / "hello.txt").write_text("hello implicit\n")
    out = subprocess.run([*CURL, "-u", f"alice:{GOOD}",
                          f"ftps://127.0.0.1:{alice.ftps_port}/hello.txt"], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    assert out == "hello implicit\n"
    src = tmp_path / "up.txt"
    src.write_text("up implicit\n")
    subprocess.run([*CURL, "-u", f"alice:{GOOD}", "-T", str(src),
                    f"ftps://127.0.0.1:{alice.ftps_port}/up.txt"], check=True, timeout=60)
    assert (alice.files("alice") / "up.txt").read_text() == "up implicit\n"


def test_curl_plain_passive_and_active_when_the_site_allows_it(alice, tmp_path):
    (alice.files("alice") / "f.txt").write_text("plain\n")
    url = f"ftp://127.0.0.1:{alice.ftp_port}/f.txt"
    refused = subprocess.run([*CURL, "-u", f"alice:{GOOD}", url], capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode != 0
    alice.run("site", "set", "ssl_required=false")
    for mode in ([], ["-P", "127.0.0.1"], ["--disable-epsv"]):
        out = subprocess.run([*CURL, "-u", f"alice:{GOOD}", *mode, url], check=True,
                             capture_output=True, text=True, timeout=60).stdout
        assert out == "plain\n", mode
    # A user who must use TLS still cannot log in in plain text.
    alice.run("user", "set", "alice", "ssl_required=always_require")
    assert subprocess.run([*CURL, "-u", f"alice:{GOOD}", url], capture_output=True,
                          timeout=60).returncode != 0
    # And one who never needs it can, whatever the site says.
    alice.run("site", "set", "ssl_required=true")
    alice.run("user", "set", "alice", "ssl_required=never_require")
    out = subprocess.run([*CURL, "-u", f"alice:{GOOD}", url], check=True, capture_output=True,
                         text=True, timeout=60).stdout
    assert out == "plain\n"


def test_lftp_explicit_ftps_every_operation(alice, tmp_path):
    src = tmp_path / "data.bin"
    src.write_bytes(os.urandom(2 * 1024 * 1024 + 5))
    out = lftp(alice, LFTP_TLS + f"""mkdir docs; cd docs; put {src} -o data.bin;
        mv data.bin moved.bin; get moved.bin -o {tmp_path}/back.bin; cls -l;
        set ftp:passive-mode no; get moved.bin -o {tmp_path}/active.bin;
        put {src} -o active-up.bin; rm active-up.bin; rm moved.bin; cd ..; rmdir docs""").stdout
    assert "moved.bin" in out
    assert (tmp_path / "back.bin").read_bytes() == src.read_bytes()
    assert (tmp_path / "active.bin").read_bytes() == src.read_bytes()
    assert list(alice.files("alice").iterdir()) == []
    actions = [e["action"] for e in alice.log("--username", "alice", "--interface", "ftp",
                                              "--limit", "50")]
    for a in ("login", "mkdir", "create", "move", "read", "destroy", "rmdir"):
        assert a in actions, actions


def test_lftp_plain_only_when_enabled(alice):
    (alice.files("alice") / "f.txt").write_text("x")
    proc = lftp(alice, "set ftp:ssl-allow no; ls", check=False)
    assert "Insecure FTP" in proc.stderr
    assert alice.log("--action", "failedlogin")[0]["failure_type"] == "insecure_ftp"
    alice.run("site", "set", "ssl_required=false")
    assert "f.txt" in lftp(alice, "set ftp:ssl-allow no; ls").stdout


def test_ftplib_tls_session_reuse(alice):
    (alice.files("alice") / "f.txt").write_text("reused\n")
    f = ftps(alice)
    buf = io.BytesIO()
    f.retrbinary("RETR f.txt", buf.write)
    assert buf.getvalue() == b"reused\n"
    f.quit()
    # Stock ftplib starts a fresh TLS session on the data connection: refused by default.
    f = ftps(alice, cls=ftplib.FTP_TLS)
    with pytest.raises(ftplib.error_perm, match="^522"):
        f.retrbinary("RETR f.txt", io.BytesIO().write)
    f.close()
    alice.run("site", "set", "ftp_require_tls_session_reuse=false")
    f = ftps(alice, cls=ftplib.FTP_TLS)
    buf = io.BytesIO()
    f.retrbinary("RETR f.txt", buf.write)
    assert buf.getvalue() == b"reused\n"
    f.quit()


def test_a_data_connection_may_resume_only_its_own_users_session(alice):
    alice.add_user("mallory")
    ctx = tls_context()  # Python resumes sessions only within one context
    first, second = ftps(alice, context=ctx), ftps(alice, context=ctx)
    other = ftps(alice, "mallory", context=ctx)
    # Another control connection of the same user (rclone shares one cache over its pool).
    second.data_session = first.sock.session
    assert second.nlst() == []
    # Another user's session: refused.
    other.data_session = first.sock.session
    with pytest.raises(ftplib.error_perm, match="^522"):
        other.nlst()
    for f in (first, second, other):
        f.close()


def test_ftplib_active_mode_over_tls(alice):
    (alice.files("alice") / "f.txt").write_text("active\n")
    f = ftps(alice, passive=False)
    buf = io.BytesIO()
    f.retrbinary("RETR f.txt", buf.write)
    f.storbinary("STOR g.txt", io.BytesIO(b"stored actively\n"))
    f.quit()
    assert buf.getvalue() == b"active\n"
    assert (alice.files("alice") / "g.txt").read_text() == "stored actively\n"


def test_api_key_as_password(alice):
    alice.add_user("bot", None, "--method", "none")
    secret = alice.json("apikey", "create", "bot", "--name", "nightly")["key"]
    f = ftps(alice, "@api-nightly", secret)
    assert f.nlst() == []
    f.quit()
    assert alice.log("--action", "login")[0]["detail"].startswith("API key 'nightly'")


def test_rclone_ftp_backend(alice, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("alpha\n")
    (src / "sub").mkdir()
    (src / "sub" / "b.bin").write_bytes(os.urandom(300_000))
    obscured = subprocess.run(["rclone", "obscure", GOOD], check=True, capture_output=True,
                              text=True).stdout.strip()
    remote = (f":ftp,host=127.0.0.1,port={alice.ftp_port},user=alice,pass={obscured},"
              f"explicit_tls=true,no_check_certificate=true:")
    env = {**os.environ, "RCLONE_CONFIG": str(tmp_path / "rclone.conf")}
    subprocess.run(["rclone", "copy", str(src), remote + "backup"], check=True, timeout=120,
                   env=env)
    subprocess.run(["rclone", "copy", remote + "backup", str(tmp_path / "back")], check=True,
                   timeout=120, env=env)
    assert (tmp_path / "back" / "a.txt").read_text() == "alpha\n"
    assert (tmp_path / "back" / "sub" / "b.bin").read_bytes() == (src / "sub" / "b.bin").read_bytes()
    listing = subprocess.run(["rclone", "lsf", "-R", remote + "backup"], check=True,
                             capture_output=True, text=True, timeout=60, env=env).stdout
    assert sorted(listing.split()) == ["a.txt", "sub/", "sub/b.bin"]


def test_parallel_sessions_with_aborts_and_dropped_connections(alice):
    errors = []

    def worker(n):
        try:
            for it in range(3):
                f = ftps(alice)
                data = os.urandom(200_000 * (it + 1) + n)
                f.storbinary(f"STOR w{n}.bin", io.BytesIO(data))
                buf = io.BytesIO()
                f.retrbinary(f"RETR w{n}.bin", buf.write)
                assert buf.getvalue() == data
                assert f"w{n}.bin" in f.nlst()
                if it == 1:
                    conn = f.transfercmd(f"RETR w{n}.bin")
                    conn.recv(1000)
                    f.sock.sendall(b"ABOR\r\n")
                    replies = [f.getmultiline(), f.getmultiline()]
                    # A small file may be all sent (226) before the ABOR arrives.
                    assert replies[0][:3] in ("426", "226") and replies[1][:3] == "226", replies
                    conn.close()
                if it == 2:
                    f.close()  # dropped without QUIT
                else:
                    f.quit()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(f"worker {n}: {e!r}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sorted(p.name for p in alice.files("alice").iterdir()) == sorted(
        f"w{n}.bin" for n in range(8))
