"""Plain FTP where TLS is required: refused at USER, before the client sends its password in
clear, with the same answer for every name (docs/ftp.md#plain-ftp)."""
import subprocess

from ftp_helpers import GOOD, RawControl, ftps

REFUSED = ("530 Insecure FTP: Plain FTP is not allowed; TLS is required: send AUTH TLS before "
           "USER (FTPS).")


def failed(server):
    return server.log("--action", "failedlogin", "--interface", "ftp")


def test_user_is_refused_before_the_password_when_the_site_requires_tls(server):
    server.add_user("alice")
    c = RawControl(server.ftp_port)
    assert c.cmd("USER alice").strip() == REFUSED
    # An unknown name gets the very same answer: USER tells nothing about which names exist.
    assert c.cmd("USER nobody").strip() == REFUSED
    c.close()
    entries = failed(server)
    assert [(e["username"], e["failure_type"]) for e in entries] == [
        ("nobody", "insecure_ftp"), ("alice", "insecure_ftp")]
    assert "refused at USER" in entries[1]["detail"]
    assert entries[1]["user_id"] and not entries[0].get("user_id")
    # Each counts as a failed login of the connection: the third closes it.
    c = RawControl(server.ftp_port)
    for _ in range(3):
        assert c.cmd("USER alice").startswith("530")
    assert c.read().startswith("421")
    c.close()
    # After AUTH TLS the same name is asked for its password and logs in.
    f = ftps(server)
    f.quit()
    assert server.log("--action", "login")[0]["username"] == "alice"


def test_curl_never_sends_the_password_in_clear(server):
    server.add_user("alice")
    proc = subprocess.run(["curl", "-sS", "-v", "--max-time", "30", "-u", f"alice:{GOOD}",
                           f"ftp://127.0.0.1:{server.ftp_port}/"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode != 0
    assert "< " + REFUSED in proc.stderr, proc.stderr
    assert "> USER alice" in proc.stderr
    assert "> PASS" not in proc.stderr and GOOD not in proc.stderr


def test_with_per_user_exceptions_every_name_is_asked_for_its_password(server):
    # A user allowed plain FTP on a site that requires TLS: refusing the others at USER would
    # tell the names apart, so every name is asked for its password, and PASS decides.
    server.add_user("alice")
    server.add_user("legacy", GOOD, "--set", "ssl_required=never_require")
    for name in ("alice", "nobody", "legacy"):
        c = RawControl(server.ftp_port)
        assert c.cmd("USER " + name).startswith("331"), name
        reply = c.cmd("PASS " + GOOD)
        if name == "legacy":
            assert reply.startswith("230"), reply
        else:  # an unknown name follows the site's rule, as a known one does
            assert reply.strip() == REFUSED, (name, reply)
        c.close()
    # A site that allows plain FTP answers every USER alike too; a user who must use TLS is
    # refused at PASS.
    server.run("user", "set", "legacy", "ssl_required=use_system_setting")
    server.run("site", "set", "ssl_required=false")
    server.run("user", "set", "alice", "ssl_required=always_require")
    c = RawControl(server.ftp_port)
    assert c.cmd("USER alice").startswith("331")
    assert c.cmd("PASS " + GOOD).strip() == REFUSED
    c.close()
