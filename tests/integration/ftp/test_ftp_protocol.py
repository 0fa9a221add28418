"""The FTP protocol in detail: refusal texts, facts, resume, abort, bounce and path escapes."""
import ftplib
import io
import os
import socket
import ssl
import subprocess
import time

import pytest

from ftp_helpers import GOOD, RawControl, ftps, tls_context


@pytest.fixture
def alice(server):
    server.add_user("alice")
    server.files("alice").mkdir(parents=True)
    return server


def refusal(server, user, password=GOOD):
    f = ftplib.FTP_TLS(context=tls_context(), timeout=20)
    f.connect("127.0.0.1", server.ftp_port)
    f.auth()
    with pytest.raises(ftplib.error_perm) as e:
        f.login(user, password)
    f.close()
    return str(e.value)


def test_every_failure_reason_in_the_530_reply(alice):
    bad = "530 Invalid Username Or Password: Invalid username or password."
    assert refusal(alice, "alice", "Wrong-Horse-9-Battery") == bad
    assert refusal(alice, "nobody") == bad
    alice.add_user("keysonly", None, "--method", "none")
    assert refusal(alice, "keysonly", "anything") == (
        "530 Authentication Method Not Allowed: This user may not log in with a password over "
        "FTP; use SFTP or an API key.")
    alice.add_user("twofactor", GOOD, "--method", "password_and_ssh_key")
    assert refusal(alice, "twofactor").startswith("530 Authentication Method Not Allowed:")
    alice.run("user", "set", "alice", "ftp_permission=false")
    assert refusal(alice, "alice") == "530 FTP Not Permitted: This user may not use FTP."
    alice.run("user", "set", "alice", "ftp_permission=true", "allowed_ips=10.0.0.0/8")
    assert refusal(alice, "alice") == (
        "530 IP Not Allowed: Logins are not allowed from your IP address.")
    alice.run("user", "set", "alice", "allowed_ips=")
    alice.run("user", "disable", "alice")
    assert refusal(alice, "alice") == "530 User Disabled: This user is disabled."
    alice.run("user", "enable", "alice")
    alice.run("site", "set", "allowed_region=other", "site_hostname=files.example.com", "--yes")
    assert refusal(alice, "alice") == (
        "530 Lockout Region Mismatch: Your account must login using a different server, "
        "https://files.example.com.")
    alice.run("site", "set", "allowed_region=all")
    alice.add_user("fresh", GOOD, "--require-password-change")
    assert refusal(alice, "fresh") == (
        "530 Password Change Required: You must change your password on the web before you can "
        "log in over FTP.")
    # Plain FTP, refused by default (at USER: docs/ftp.md#plain-ftp).
    f = ftplib.FTP(timeout=20)
    f.connect("127.0.0.1", alice.ftp_port)
    with pytest.raises(ftplib.error_perm) as e:
        f.login("alice", GOOD)
    assert str(e.value) == ("530 Insecure FTP: Plain FTP is not allowed; TLS is required: send "
                            "AUTH TLS before USER (FTPS).")
    f.close()
    types = [e["failure_type"] for e in alice.log("--action", "failedlogin", "--interface", "ftp",
                                                  "--limit", "20")]
    assert types == ["insecure_ftp", "password_change_required", "region_mismatch", "disabled", "ip_mismatch",
                     "no_ftp_permission", "method_not_allowed", "method_not_allowed",
                     "username_not_found", "password_mismatch"]


def test_mlsd_mlst_size_mdtm_mfmt(alice):
    root = alice.files("alice")
    (root / "dir").mkdir()
    (root / "dir" / "f.bin").write_bytes(b"x" * 1234)
    os.utime(root / "dir" / "f.bin", (1_600_000_000, 1_600_000_000))
    f = ftps(alice)
    entries = dict(f.mlsd("dir"))
    assert entries["f.bin"]["type"] == "file" and entries["f.bin"]["size"] == "1234"
    assert entries["f.bin"]["modify"] == "20200913122640"
    assert entries["f.bin"]["unix.mode"] == "0644"
    top = dict(f.mlsd("/"))
    assert top["dir"]["type"] == "dir"
    mlst = f.sendcmd("MLST dir/f.bin")
    assert mlst.startswith("250-") and "type=file;size=1234;modify=20200913122640;" in mlst
    assert mlst.splitlines()[1].endswith(" /dir/f.bin")
    assert f.size("dir/f.bin") == 1234
    assert f.sendcmd("MDTM dir/f.bin") == "213 20200913122640"
    assert f.sendcmd("MFMT 20210102030405 dir/f.bin") == "213 Modify=20210102030405; /dir/f.bin"
    assert (root / "dir" / "f.bin").stat().st_mtime == 1_609_556_645
    with pytest.raises(ftplib.error_perm, match="^550"):
        f.size("dir")
    with pytest.raises(ftplib.error_perm, match="^550"):
        f.sendcmd("MDTM nothing-here")
    feat = f.sendcmd("FEAT")
    for line in ("AUTH TLS", "PBSZ", "PROT", "EPSV", "MLST type*;size*;modify*;", "REST STREAM",
                 "SIZE", "MDTM", "MFMT", "UTF8"):
        assert line in feat
    assert f.pwd() == "/"
    f.cwd("dir")
    assert f.pwd() == "/dir" and f.nlst() == ["f.bin"]
    f.sendcmd("CDUP")
    assert f.pwd() == "/"
    f.quit()


def test_rest_resumes_downloads_and_uploads(alice):
    data = os.urandom(1_000_000)
    (alice.files("alice") / "big.bin").write_bytes(data)
    f = ftps(alice)
    buf = io.BytesIO()
    f.retrbinary("RETR big.bin", buf.write, rest=600_000)
    assert buf.getvalue() == data[600_000:]
    # An interrupted upload left the first 400,000 bytes; the client resumes from there.
    (alice.files("alice") / "up.bin").write_bytes(data[:400_000] + b"garbage")
    f.storbinary("STOR up.bin", io.BytesIO(data[400_000:]), rest=400_000)
    assert (alice.files("alice") / "up.bin").read_bytes() == data
    f.storbinary("APPE up.bin", io.BytesIO(b"tail"))
    assert (alice.files("alice") / "up.bin").read_bytes() == data + b"tail"
    assert f.sendcmd("REST 5").startswith("350")
    with pytest.raises(ftplib.error_perm, match="^501"):
        f.sendcmd("REST abc")
    f.quit()


def test_ascii_type_converts_line_ends(alice):
    (alice.files("alice") / "unix.txt").write_bytes(b"one\ntwo\n")
    f = ftps(alice)
    f.voidcmd("TYPE A")
    conn = f.transfercmd("RETR unix.txt")
    wire = b""
    while chunk := conn.recv(4096):
        wire += chunk
    conn.unwrap()
    conn.close()
    f.voidresp()
    assert wire == b"one\r\ntwo\r\n"
    f.voidcmd("TYPE A")
    conn = f.transfercmd("STOR dos.txt")
    conn.sendall(b"a\r\nb\r\n")
    conn.unwrap()
    conn.close()
    f.voidresp()
    assert (alice.files("alice") / "dos.txt").read_bytes() == b"a\nb\n"
    f.quit()


def test_abor_stops_a_download_cleanly(alice):
    (alice.files("alice") / "huge.bin").write_bytes(os.urandom(64 * 1024 * 1024))
    f = ftps(alice)
    conn = f.transfercmd("RETR huge.bin")
    assert len(conn.recv(65536)) > 0
    f.sock.sendall(b"ABOR\r\n")
    assert f.getmultiline().startswith("426")
    assert f.getmultiline().startswith("226")
    conn.close()
    assert f.voidcmd("NOOP").startswith("200")
    assert f.sendcmd("ABOR").startswith("225")
    read = alice.log("--action", "read")[0]
    assert read["detail"].startswith("failed") and read["bytes"] < 64 * 1024 * 1024
    f.quit()


def test_abor_of_an_upload_leaves_no_partial_file(alice):
    f = ftps(alice)
    conn = f.transfercmd("STOR partial.bin")
    conn.sendall(os.urandom(1024 * 1024))
    f.sock.sendall(b"ABOR\r\n")
    assert f.getmultiline().startswith("426")
    assert f.getmultiline().startswith("226")
    conn.close()
    assert list(alice.files("alice").iterdir()) == []
    f.quit()


def test_port_and_eprt_only_to_the_client_itself(alice):
    alice.run("site", "set", "ssl_required=false")
    c = RawControl(alice.ftp_port)
    c.cmd("USER alice")
    assert c.cmd("PASS " + GOOD).startswith("230")
    # FTP bounce: another host, or a system port on our own host.
    assert c.cmd("PORT 10,0,0,1,4,1").startswith("504")
    assert c.cmd("PORT 127,0,0,2,4,1").startswith("504")
    assert c.cmd("PORT 127,0,0,1,0,21").startswith("504")
    assert c.cmd("EPRT |1|10.0.0.1|2000|").startswith("504")
    assert c.cmd("EPRT |2|::1|2000|").startswith("504")
    assert c.cmd("PORT 127,0,0,1,300,1").startswith("501")
    assert c.cmd("EPRT garbage").startswith("501")
    assert c.cmd("PORT 127,0,0,1,100,1").startswith("200")
    assert c.cmd("EPRT |1|127.0.0.1|25601|").startswith("200")
    assert c.cmd("EPSV 2").startswith("522")
    assert c.cmd("EPSV ALL").startswith("200")
    assert c.cmd("PASV").startswith("503")
    c.close()


def test_a_data_connection_from_another_address_is_refused(alice):
    (alice.files("alice") / "secret.txt").write_text("mine\n")
    f = ftps(alice)
    f.set_pasv(True)
    host, port = f.makepasv()
    # Another client (127.0.0.2 is another address on loopback) races for the passive port.
    thief = socket.socket()
    thief.bind(("127.0.0.2", 0))
    thief.settimeout(5)
    thief.connect((host, port))
    f.sock.sendall(b"RETR secret.txt\r\n")
    time.sleep(0.3)
    conn = socket.create_connection((host, port), timeout=10)
    assert f.getresp().startswith("150")
    conn = f.context.wrap_socket(conn, server_hostname=f.host, session=f.sock.session)
    assert conn.recv(100) == b"mine\n"
    conn.close()
    assert f.getresp().startswith("226")
    assert thief.recv(100) == b""  # closed without a byte
    thief.close()
    f.quit()


def test_paths_stay_inside_the_users_root(alice):
    root = alice.files("alice")
    (root / "inside.txt").write_text("ok\n")
    os.symlink("/etc", root / "etc-link")
    f = ftps(alice)
    f.cwd("../../..")
    assert f.pwd() == "/"
    with pytest.raises(ftplib.error_perm, match="^550"):
        f.retrbinary("RETR ../../../../etc/passwd", io.BytesIO().write)
    with pytest.raises(ftplib.error_perm, match="^550"):
        f.retrbinary("RETR etc-link/passwd", io.BytesIO().write)
    with pytest.raises(ftplib.error_perm, match="^550"):
        f.cwd("etc-link")
    with pytest.raises(ftplib.error_perm, match="^550"):
        f.storbinary("STOR etc-link/evil", io.BytesIO(b"x"))
    with pytest.raises(ftplib.error_perm, match="^550"):
        f.rename("inside.txt", "etc-link/moved")
    f.mkd("../../made")
    assert (root / "made").is_dir()
    buf = io.BytesIO()
    f.retrbinary("RETR /../inside.txt", buf.write)
    assert buf.getvalue() == b"ok\n"
    with pytest.raises(ftplib.error_perm, match="^550"):
        f.delete("made")
    f.rmd("made")
    f.quit()


def test_command_errors_and_the_bad_command_limit(alice):
    c = RawControl(alice.ftp_port)
    assert c.greeting.startswith("220")
    assert c.cmd("LIST").startswith("530")
    assert c.cmd("FROB").startswith("500")
    assert c.cmd("USER").startswith("501")
    assert c.cmd("PASS x").startswith("503")
    assert c.cmd("PROT P").startswith("503")
    assert c.cmd("X" * 5000).startswith("500")
    assert c.cmd("SYST") == "215 UNIX Type: L8\r\n"
    assert c.cmd("HELP").startswith("214-")
    assert c.cmd("CCC").startswith("534")
    assert c.cmd("AUTH KERBEROS").startswith("504")
    # Five bad commands so far; the tenth closes the connection.
    replies = [c.cmd("FROB") for _ in range(5)]
    assert all(r.startswith("500") for r in replies)
    assert c.read().startswith("421")
    assert c.read() == ""  # closed
    c.close()


def test_prot_c_and_missing_prot_are_refused_over_tls(alice):
    f = ftplib.FTP_TLS(context=tls_context(), timeout=20)
    f.connect("127.0.0.1", alice.ftp_port)
    f.auth()
    f.login("alice", GOOD)
    with pytest.raises(ftplib.error_perm, match="^534"):
        f.sendcmd("PROT C")
    with pytest.raises(ftplib.error_perm, match="^521"):
        f.nlst()
    f.quit()


def test_stou_and_atomic_uploads(alice):
    f = ftps(alice)
    reply = f.storbinary("STOU report.txt", io.BytesIO(b"unique"))
    assert reply.startswith("226")
    names = [p.name for p in alice.files("alice").iterdir()]
    assert len(names) == 1 and names[0].startswith("report.txt.")
    f.quit()


def test_idle_sessions_are_closed(server_with):
    s = server_with(ftp_extra="idle_timeout = 5\n")
    c = RawControl(s.ftp_port)
    start = time.time()
    assert c.read().startswith("421")
    assert 4 <= time.time() - start < 15
    c.close()


def s_client(port, *args):
    return subprocess.run(["openssl", "s_client", "-starttls", "ftp", "-connect",
                           f"127.0.0.1:{port}", *args], input="", capture_output=True, text=True,
                          timeout=30)


def test_tls_12_and_13_with_aead_ciphers_only(alice):
    assert "TLSv1.3" in s_client(alice.ftp_port, "-tls1_3").stdout
    ok = s_client(alice.ftp_port, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256")
    assert "Cipher is ECDHE-ECDSA-AES128-GCM-SHA256" in ok.stdout
    cbc = s_client(alice.ftp_port, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA")
    assert cbc.returncode != 0
    old = s_client(alice.ftp_port, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
    assert old.returncode != 0
    # The certificate made on first start.
    cert = alice.data_dir / "tls" / "server.crt"
    assert cert.exists() and (alice.data_dir / "tls" / "server.key").stat().st_mode & 0o077 == 0


def test_a_site_with_ftp_disabled_refuses_the_login_with_its_reason(alice):
    """ftp_enabled=false is the gate's check: the login is refused and logged with the reason,
    on the explicit and the implicit port, and an open session ends."""
    f = ftps(alice)
    assert f.pwd() == "/"
    alice.run("site", "set", "ftp_enabled=false")
    time.sleep(2)  # the watchdog re-admits once a second
    with pytest.raises((ftplib.error_temp, EOFError, OSError)) as ended:
        f.pwd()
        f.pwd()
    if isinstance(ended.value, ftplib.error_temp):
        assert str(ended.value).startswith("421 Session ended: Protocol Disabled")
    with pytest.raises(ftplib.error_perm, match="^530 Protocol Disabled: FTP is turned off"):
        ftps(alice)
    implicit = subprocess.run(["curl", "-sSkv", "--user", f"alice:{GOOD}",
                               f"ftps://127.0.0.1:{alice.ftps_port}/"],
                              capture_output=True, text=True, timeout=60)
    assert implicit.returncode != 0 and "< 530 Protocol Disabled" in implicit.stderr
    entries = alice.log("--action", "failedlogin", "--interface", "ftp")
    assert len(entries) == 2
    assert {e["failure_type"] for e in entries} == {"protocol_disabled"}
    assert "site setting ftp_enabled=false" in entries[0]["detail"]
    alice.run("site", "set", "ftp_enabled=true")
    assert ftps(alice).pwd() == "/"


def test_three_failed_logins_close_the_connection(alice):
    f = ftplib.FTP_TLS(context=tls_context(), timeout=20)
    f.connect("127.0.0.1", alice.ftp_port)
    f.auth()
    for _ in range(2):
        with pytest.raises(ftplib.error_perm, match="^530"):
            f.login("alice", "Wrong-Horse-9-Battery")
    with pytest.raises(ftplib.error_perm, match="^530"):
        f.login("alice", "Wrong-Horse-9-Battery")
    assert f.getline().startswith("421")
    f.close()


def test_passive_port_range_and_announced_address(server_with):
    base = 40000 + os.getpid() % 20000
    s = server_with(ftp_extra=f"passive_port_min = {base}\npassive_port_max = {base + 3}\n"
                              f"passive_address = \"127.0.0.1\"\n")
    s.add_user("alice")
    f = ftps(s)
    for _ in range(6):
        reply = f.sendcmd("PASV")
        nums = [int(n) for n in reply.split("(")[1].split(")")[0].split(",")]
        assert nums[:4] == [127, 0, 0, 1]
        assert base <= nums[4] * 256 + nums[5] <= base + 3
    assert f.nlst() == []
    f.quit()


def test_an_address_no_allow_list_admits_gets_no_greeting(alice):
    server = alice
    assert RawControl(server.ftp_port).greeting.startswith("220")
    server.run("site", "set", "allowed_ips=10.0.0.0/8")
    assert RawControl(server.ftp_port).greeting == ""  # closed at accept
    entry = server.log("--action", "failedlogin", "--interface", "ftp")[0]
    assert entry["failure_type"] == "ip_mismatch" and entry["username"] == ""
