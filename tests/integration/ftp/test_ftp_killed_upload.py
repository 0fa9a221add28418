"""A client killed mid-upload (curl -T, then kill -9) never leaves a truncated file under the final
name, over explicit FTPS, implicit FTPS and plain FTP, with the file new or replacing an old one;
the upload is logged as a failed `create` (issue 11, bug 1; docs/vfs.md#uploads)."""
import os
import signal
import subprocess
import time

import pytest

from ftp_helpers import GOOD

OLD = b"the previous version\n"


@pytest.fixture
def alice(server):
    server.add_user("alice")
    server.files("alice").mkdir(parents=True)
    server.run("site", "set", "ssl_required=false")  # for the plain-FTP row
    return server


def url(server, mode, name):
    if mode == "implicit":
        return ["--ssl-reqd", f"ftps://127.0.0.1:{server.ftps_port}/{name}"]
    if mode == "explicit":
        return ["--ssl-reqd", f"ftp://127.0.0.1:{server.ftp_port}/{name}"]
    return [f"ftp://127.0.0.1:{server.ftp_port}/{name}"]


def failed_create(server, path, deadline=15):
    end = time.time() + deadline
    while time.time() < end:
        for e in server.log("--username", "alice", "--action", "create"):
            if e["path"] == path:
                return e
        time.sleep(0.2)
    return None


@pytest.mark.parametrize("replace", [False, True], ids=["new", "replace"])
@pytest.mark.parametrize("mode", ["explicit", "implicit", "plain"])
def test_killed_client_leaves_no_truncated_file(alice, tmp_path, mode, replace):
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(8 * 1024 * 1024))
    target = alice.files("alice") / "big.bin"
    if replace:
        target.write_bytes(OLD)
    # Slow enough to be killed half way: 1 MiB/s of an 8 MiB file.
    curl = subprocess.Popen(["curl", "-sS", "-k", "--limit-rate", "1M", "-u", f"alice:{GOOD}",
                             "-T", str(src), *url(alice, mode, "big.bin")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    folder = alice.files("alice")
    end = time.time() + 20
    while time.time() < end:  # until the data has started to arrive
        temps = [p for p in folder.iterdir() if p.name.startswith(".drawbridge-upload-")]
        if temps and temps[0].stat().st_size > 512 * 1024:
            break
        time.sleep(0.05)
    else:
        curl.kill()
        pytest.fail("the upload did not start")
    curl.send_signal(signal.SIGKILL)
    curl.wait(timeout=10)
    entry = failed_create(alice, "/big.bin")
    assert entry is not None, "no create entry"
    assert "failed" in (entry.get("detail") or ""), entry
    if replace:
        assert target.read_bytes() == OLD
    else:
        assert not target.exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(".drawbridge-upload-")]
