"""Every file operation over SFTP (paramiko), FTP (ftplib over TLS), WebDAV and the REST API (HTTP
over TLS, http.client): the same file result and the same action-log entry (action, path,
destination, interface) on each, because each is one vfs::FileSession call (docs/vfs.md)."""
import base64
import ftplib
import http.client
import io
import json
import ssl
import urllib.parse

import paramiko
import pytest

from ftp.ftp_helpers import GOOD, ftps

PROTOCOLS = ["sftp", "ftp", "dav", "restapi"]


def tls():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Refused(Exception):
    """The protocol's permission refusal (SFTP PERMISSION_DENIED, FTP 550, HTTP 403)."""


class Sftp:
    interface = "sftp"

    def __init__(self, server, user):
        self.t = paramiko.Transport(("127.0.0.1", server.sftp_port))
        self.t.connect()
        self.t.auth_password(user, GOOD)
        self.c = paramiko.SFTPClient.from_transport(self.t)

    def close(self):
        self.t.close()

    def _do(self, fn, *args):
        try:
            return fn(*args)
        except PermissionError as e:
            raise Refused() from e

    def upload(self, path, data):
        self._do(self.c.putfo, io.BytesIO(data), path, 0, None, False)

    def download(self, path):
        buf = io.BytesIO()
        self._do(self.c.getfo, path, buf)
        return buf.getvalue()

    def mkdir(self, path):
        self._do(self.c.mkdir, path)

    def rmdir(self, path):
        self._do(self.c.rmdir, path)

    def delete(self, path):
        self._do(self.c.remove, path)

    def rename(self, src, dst):
        self._do(self.c.posix_rename, src, dst)

    def set_mtime(self, path, when):
        self._do(self.c.utime, path, (when, when))

    def listdir(self, path):
        return sorted(self._do(self.c.listdir, path))


class Ftp:
    interface = "ftp"

    def __init__(self, server, user):
        self.f = ftps(server, user)

    def close(self):
        try:
            self.f.quit()
        except (ftplib.Error, OSError):
            pass

    def _do(self, fn, *args):
        try:
            return fn(*args)
        except ftplib.error_perm as e:
            if "Permission denied" in str(e):
                raise Refused() from e
            raise

    def upload(self, path, data):
        self._do(self.f.storbinary, "STOR " + path, io.BytesIO(data))

    def download(self, path):
        out = bytearray()
        self._do(self.f.retrbinary, "RETR " + path, out.extend)
        return bytes(out)

    def mkdir(self, path):
        self._do(self.f.mkd, path)

    def rmdir(self, path):
        self._do(self.f.rmd, path)

    def delete(self, path):
        self._do(self.f.delete, path)

    def rename(self, src, dst):
        self._do(self.f.rename, src, dst)

    def set_mtime(self, path, when):
        import time
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(when))
        self._do(self.f.sendcmd, f"MFMT {stamp} {path}")

    def listdir(self, path):
        return sorted(n.rsplit("/", 1)[-1] for n in self._do(self.f.nlst, path))


class Http:
    """WebDAV under /dav, or the REST API under /api/v1, with Basic auth / a session token."""

    def __init__(self, server, user, rest):
        self.server, self.rest = server, rest
        self.interface = "restapi" if rest else "dav"
        self.headers = {}
        if rest:
            status, body = self._call("POST", "/api/v1/sessions",
                                      json.dumps({"username": user, "password": GOOD}).encode(),
                                      {"Content-Type": "application/json"})
            assert status == 201, body
            self.headers["X-FilesAPI-Auth"] = json.loads(body)["id"]
        else:
            self.headers["Authorization"] = "Basic " + base64.b64encode(
                f"{user}:{GOOD}".encode()).decode()

    def close(self):
        pass

    def _call(self, method, target, body=None, headers=None):
        c = http.client.HTTPSConnection("127.0.0.1", self.server.https_port, context=tls(),
                                        timeout=20)
        try:
            c.request(method, target, body=body, headers={**self.headers, **(headers or {})})
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def _q(self, path):
        return urllib.parse.quote(path)

    def _check(self, status, body, ok=(200, 201, 204, 207)):
        if status == 403:
            raise Refused()
        assert status in ok, (status, body)
        return body

    def upload(self, path, data):
        prefix = "/api/v1/files" if self.rest else "/dav"
        self._check(*self._call("PUT", prefix + self._q(path), data))

    def download(self, path):
        prefix = "/api/v1/files" if self.rest else "/dav"
        return self._check(*self._call("GET", prefix + self._q(path)))

    def mkdir(self, path):
        if self.rest:
            self._check(*self._call("POST", "/api/v1/folders" + self._q(path)))
        else:
            self._check(*self._call("MKCOL", "/dav" + self._q(path)))

    def delete(self, path):
        prefix = "/api/v1/files" if self.rest else "/dav"
        self._check(*self._call("DELETE", prefix + self._q(path)))

    rmdir = delete

    def _two(self, action, src, dst):
        if self.rest:
            self._check(*self._call("POST", f"/api/v1/file_actions/{action}" + self._q(src),
                                    json.dumps({"destination": dst}).encode(),
                                    {"Content-Type": "application/json"}))
        else:
            self._check(*self._call(action.upper(), "/dav" + self._q(src), None,
                                    {"Destination": "/dav" + self._q(dst), "Overwrite": "F"}))

    def rename(self, src, dst):
        self._two("move", src, dst)

    def copy(self, src, dst):
        self._two("copy", src, dst)

    def listdir(self, path):
        if self.rest:
            body = self._check(*self._call("GET", "/api/v1/folders" + self._q(path)))
            return sorted(e["path"].rsplit("/", 1)[-1] for e in json.loads(body))
        body = self._check(*self._call("PROPFIND", "/dav" + self._q(path) + "/", None,
                                       {"Depth": "1"}))
        import re
        hrefs = re.findall(rb"<D:href>([^<]*)</D:href>", body)[1:]
        return sorted(urllib.parse.unquote(h.decode().rstrip("/").rsplit("/", 1)[-1])
                      for h in hrefs)


def client(server, proto, user="alice"):
    if proto == "sftp":
        return Sftp(server, user)
    if proto == "ftp":
        return Ftp(server, user)
    return Http(server, user, rest=proto == "restapi")


@pytest.fixture(scope="module")
def site(module_server):
    s = module_server
    s.add_user("alice")
    root = s.files("alice")
    root.mkdir(parents=True, exist_ok=True)
    (root / "ro").mkdir(exist_ok=True)
    (root / "ro" / "fixed.txt").write_bytes(b"fixed\n")
    s.run("permission", "set", "alice", "/ro", "--allow", "list,read")
    return s


def last_entry(server, proto):
    entries = server.log("--username", "alice", "--interface", proto)
    assert entries, "no entry logged"
    return entries[0]


def assert_logged(server, proto, action, path, destination="", failed=False):
    e = last_entry(server, proto)
    got = (e["action"], e["path"], e.get("destination") or "", e["interface"])
    assert got == (action, path, destination, proto), e
    assert ("failed" in (e.get("detail") or "")) == failed, e


# Each row: (name, setup(root, base), act(client, base), check(root, base) -> None,
#            expected log (action, path suffix, destination suffix), protocols without it)
def _write(root, rel, data=b"x"):
    p = root / rel.lstrip("/")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)


ROWS = [
    ("upload",
     lambda root, b: (root / b.lstrip("/")).mkdir(parents=True),
     lambda c, b: c.upload(b + "/new.txt", b"hello\n"),
     lambda root, b: (root / b.lstrip("/") / "new.txt").read_bytes() == b"hello\n",
     ("create", "/new.txt", ""), ()),
    ("download",
     lambda root, b: _write(root, b + "/d.txt", b"data\n"),
     lambda c, b: c.download(b + "/d.txt") == b"data\n" or pytest.fail("content"),
     lambda root, b: True,
     ("read", "/d.txt", ""), ()),
    ("mkdir",
     lambda root, b: (root / b.lstrip("/")).mkdir(parents=True),
     lambda c, b: c.mkdir(b + "/sub"),
     lambda root, b: (root / b.lstrip("/") / "sub").is_dir(),
     ("mkdir", "/sub", ""), ()),
    ("rmdir",
     lambda root, b: (root / b.lstrip("/") / "gone").mkdir(parents=True),
     lambda c, b: c.rmdir(b + "/gone"),
     lambda root, b: not (root / b.lstrip("/") / "gone").exists(),
     ("rmdir", "/gone", ""), ()),
    ("delete",
     lambda root, b: _write(root, b + "/del.txt"),
     lambda c, b: c.delete(b + "/del.txt"),
     lambda root, b: not (root / b.lstrip("/") / "del.txt").exists(),
     ("destroy", "/del.txt", ""), ()),
    ("rename",
     lambda root, b: _write(root, b + "/a.txt", b"moved\n"),
     lambda c, b: c.rename(b + "/a.txt", b + "/b.txt"),
     lambda root, b: (root / b.lstrip("/") / "b.txt").read_bytes() == b"moved\n"
     and not (root / b.lstrip("/") / "a.txt").exists(),
     ("move", "/a.txt", "/b.txt"), ()),
    ("copy",
     lambda root, b: _write(root, b + "/c.txt", b"copied\n"),
     lambda c, b: c.copy(b + "/c.txt", b + "/c2.txt"),
     lambda root, b: (root / b.lstrip("/") / "c2.txt").read_bytes() == b"copied\n"
     and (root / b.lstrip("/") / "c.txt").exists(),
     ("copy", "/c.txt", "/c2.txt"), ("sftp", "ftp")),  # no whole-file copy in SFTP v3 or FTP
    ("set-mtime",
     lambda root, b: _write(root, b + "/t.txt"),
     lambda c, b: c.set_mtime(b + "/t.txt", 1_000_000_000),
     lambda root, b: int((root / b.lstrip("/") / "t.txt").stat().st_mtime) == 1_000_000_000,
     ("update", "/t.txt", ""), ("dav", "restapi")),  # no standard way to set a time there
    ("list",
     lambda root, b: [_write(root, b + f"/l/{n}") for n in ("one", "two")],
     lambda c, b: c.listdir(b + "/l") == ["one", "two"] or pytest.fail("listing"),
     lambda root, b: True,
     None, ()),  # a listing is not logged, only its refusal
]


@pytest.mark.parametrize("proto", PROTOCOLS)
@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_operation(site, proto, row):
    name, setup, act, check, logged, without = row
    if proto in without:
        pytest.skip(f"{proto} has no {name}")
    root = site.files("alice")
    base = f"/{name}-{proto}"
    setup(root, base)
    c = client(site, proto)
    try:
        act(c, base)
    finally:
        c.close()
    assert check(root, base)
    if logged:
        action, path, dest = logged
        assert_logged(site, proto, action, base + path, base + dest if dest else "")


# Refusals: the same folder rule (/ro allows list and read only) refuses each write the same way,
# and each refusal is logged as the failed action.
REFUSALS = [
    ("upload", lambda c: c.upload("/ro/new.txt", b"no"), ("create", "/ro/new.txt", "")),
    ("mkdir", lambda c: c.mkdir("/ro/sub"), ("mkdir", "/ro/sub", "")),
    ("delete", lambda c: c.delete("/ro/fixed.txt"), ("destroy", "/ro/fixed.txt", "")),
    ("rename", lambda c: c.rename("/ro/fixed.txt", "/moved.txt"),
     ("move", "/ro/fixed.txt", "")),
]


@pytest.mark.parametrize("proto", PROTOCOLS)
@pytest.mark.parametrize("row", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refusal(site, proto, row):
    name, act, (action, path, dest) = row
    c = client(site, proto)
    try:
        with pytest.raises(Refused):
            act(c)
    finally:
        c.close()
    assert (site.files("alice") / "ro" / "fixed.txt").read_bytes() == b"fixed\n"
    e = last_entry(site, proto)
    assert (e["action"], e["path"], e["interface"]) == (action, path, proto), e
    assert "failed" in (e.get("detail") or ""), e


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_a_name_over_255_bytes_is_refused_before_any_data(site, proto):
    c = client(site, proto)
    name = "/" + "n" * 256
    try:
        with pytest.raises(Exception) as e:
            c.upload(name, b"x" * 100_000)
    finally:
        c.close()
    text = str(e.value)
    assert not isinstance(e.value, Refused)
    if proto == "sftp":
        assert "File name too long" in text
    elif proto == "ftp":
        assert "553" in text
    else:
        assert "400" in text
    assert not any(p.name.startswith("nnnn") for p in site.files("alice").iterdir())
