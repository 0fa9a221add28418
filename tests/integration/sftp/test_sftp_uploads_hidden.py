"""An upload in progress is no entry of its folder (issue 11, bug 4): SFTP listings used to show
the `.drawbridge-upload-*` file the other protocols hid."""
import paramiko

GOOD = "Correct-Horse-9-Battery"


def test_sftp_listings_hide_uploads_in_progress(server):
    server.add_user("alice")
    server.files("alice").mkdir(parents=True, exist_ok=True)
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect()
    t.auth_password("alice", GOOD)
    sftp = paramiko.SFTPClient.from_transport(t)
    f = sftp.open("/report.csv", "w")
    f.write(b"half")
    f.flush()
    on_disk = [p.name for p in server.files("alice").iterdir()]
    assert any(n.startswith(".drawbridge-upload-") for n in on_disk), on_disk
    assert sftp.listdir("/") == []
    assert [a.filename for a in sftp.listdir_attr("/")] == []
    f.close()
    assert sftp.listdir("/") == ["report.csv"]
    t.close()
