"""The Ceph RADOS gateway fixture itself (docs/s3.md#tests): it serves S3 on loopback, checks
signatures, and its stop leaves no daemon and no directory behind. The S3 client's own tests
against it are C++ (tests/unit/s3/rgw/, run by ctest)."""
import pathlib
import sys
import tempfile
import urllib.error
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "fixtures"))
from ceph_rgw import ceph_rgw, start, stop, _ours  # noqa: E402,F401  (ceph_rgw: the fixture)


def status_of(request):
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_gateway_refuses_unsigned_and_badly_signed_writes(ceph_rgw):
    assert ceph_rgw["endpoint"].startswith("http://127.0.0.1:")
    assert ceph_rgw["start_seconds"] < 90
    url = ceph_rgw["endpoint"] + "/fixture-bucket"
    code, body = status_of(urllib.request.Request(url, method="PUT"))
    assert code == 403 and "AccessDenied" in body
    forged = ("AWS4-HMAC-SHA256 Credential=" + ceph_rgw["access_key"] +
              "/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=" +
              "0" * 64)
    code, body = status_of(urllib.request.Request(url, method="PUT", headers={
        "Authorization": forged, "x-amz-date": "20260101T000000Z",
        "x-amz-content-sha256": "UNSIGNED-PAYLOAD"}))
    assert code == 403, body
    assert "SignatureDoesNotMatch" in body or "RequestTimeTooSkewed" in body, body


def test_stop_leaves_no_daemon_and_no_directory():
    base = pathlib.Path(tempfile.mkdtemp(prefix="drawbridge-rgw-stop-", dir="/dev/shm"))
    try:
        start(base)
        pids = [int(p) for p in (base / "pids").read_text().split()]
        assert len(pids) == 4  # monitor, manager, OSD, gateway
        assert all(_ours(p, base) for p in pids)
    finally:
        stop(base)
    assert not any(_ours(p, base) for p in pids)
    assert not base.exists()
