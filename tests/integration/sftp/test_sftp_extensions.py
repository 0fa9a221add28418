"""SFTP v3 at the packet level: the VERSION reply, every extension, and the status codes.

paramiko drops the extension list of VERSION and turns statuses into exceptions, so these tests
speak the protocol themselves over a channel that paramiko (the SSH transport) opens.
"""
import os
import struct

import paramiko
import pytest

GOOD = "Correct-Horse-9-Battery"

# Packet types and status codes of draft-ietf-secsh-filexfer-02.
INIT, VERSION, OPEN, CLOSE, READ, WRITE, LSTAT, FSTAT, SETSTAT = 1, 2, 3, 4, 5, 6, 7, 8, 9
OPENDIR, READDIR, REMOVE, MKDIR, RMDIR, REALPATH, STAT, RENAME = 11, 12, 13, 14, 15, 16, 17, 18
READLINK, SYMLINK = 19, 20
STATUS, HANDLE, DATA, NAME, ATTRS, EXTENDED, EXTENDED_REPLY = 101, 102, 103, 104, 105, 200, 201
OK, EOF, NO_SUCH_FILE, PERMISSION_DENIED, FAILURE, BAD_MESSAGE, OP_UNSUPPORTED = 0, 1, 2, 3, 4, 5, 8
FXF_READ, FXF_WRITE, FXF_APPEND, FXF_CREAT, FXF_TRUNC, FXF_EXCL = 1, 2, 4, 8, 16, 32
ATTR_SIZE, ATTR_PERMISSIONS, ATTR_ACMODTIME = 1, 4, 8

EXTENSIONS = {
    "posix-rename@openssh.com": "1", "statvfs@openssh.com": "2", "fstatvfs@openssh.com": "2",
    "hardlink@openssh.com": "1", "fsync@openssh.com": "1", "limits@openssh.com": "1",
    "lsetstat@openssh.com": "1", "copy-data": "1", "home-directory": "1",
}


def s(value):
    value = value.encode() if isinstance(value, str) else value
    return struct.pack(">I", len(value)) + value


def u32(value):
    return struct.pack(">I", value)


def u64(value):
    return struct.pack(">Q", value)


def attrs(flags=0, size=None, mode=None, times=None):
    out = u32(flags)
    if flags & ATTR_SIZE:
        out += u64(size)
    if flags & ATTR_PERMISSIONS:
        out += u32(mode)
    if flags & ATTR_ACMODTIME:
        out += u32(times[0]) + u32(times[1])
    return out


class Reply:
    def __init__(self, kind, body):
        self.kind, self.body, self.pos = kind, body, 0

    def u32(self):
        self.pos += 4
        return struct.unpack(">I", self.body[self.pos - 4:self.pos])[0]

    def u64(self):
        self.pos += 8
        return struct.unpack(">Q", self.body[self.pos - 8:self.pos])[0]

    def str(self):
        n = self.u32()
        self.pos += n
        return self.body[self.pos - n:self.pos]

    def status(self):
        assert self.kind == STATUS, self.kind
        return self.u32(), self.str().decode(), self.str().decode()


class RawSftp:
    """The SFTP subsystem of one SSH session, spoken packet by packet."""

    def __init__(self, port, user="alice", password=GOOD):
        self.transport = paramiko.Transport(("127.0.0.1", port))
        self.transport.connect(username=user, password=password)
        self.chan = self.transport.open_session()
        self.chan.invoke_subsystem("sftp")
        self.chan.settimeout(30)  # a missing reply fails the test instead of hanging it
        self.next_id = 1

    def close(self):
        self.transport.close()

    def send(self, kind, body):
        self.chan.sendall(u32(len(body) + 1) + bytes([kind]) + body)

    def _exact(self, n):
        out = b""
        while len(out) < n:
            chunk = self.chan.recv(n - len(out))
            assert chunk, "server closed the channel"
            out += chunk
        return out

    def receive(self):
        length = struct.unpack(">I", self._exact(4))[0]
        packet = self._exact(length)
        return Reply(packet[0], packet[1:])

    def init(self):
        self.send(INIT, u32(3))
        reply = self.receive()
        assert reply.kind == VERSION
        version, extensions = reply.u32(), {}
        while reply.pos < len(reply.body):
            name = reply.str().decode()
            extensions[name] = reply.str().decode()
        return version, extensions

    def request(self, kind, body):
        rid = self.next_id
        self.next_id += 1
        self.send(kind, u32(rid) + body)
        reply = self.receive()
        assert reply.u32() == rid
        return reply

    def status(self, kind, body):
        return self.request(kind, body).status()[0]

    def extended(self, name, body=b""):
        return self.request(EXTENDED, s(name) + body)

    def handle(self, path, flags, mode_attrs=b"\0\0\0\0"):
        reply = self.request(OPEN, s(path) + u32(flags) + mode_attrs)
        assert reply.kind == HANDLE, reply.status()
        return reply.str()


@pytest.fixture
def raw(server):
    server.add_user("alice")
    conn = RawSftp(server.sftp_port)
    assert conn.init() == (3, EXTENSIONS)
    yield conn
    conn.close()


def write_file(raw, path, data):
    h = raw.handle(path, FXF_WRITE | FXF_CREAT | FXF_TRUNC)
    for off in range(0, len(data), 65536):
        assert raw.status(WRITE, s(h) + u64(off) + s(data[off:off + 65536])) == OK
    assert raw.status(CLOSE, s(h)) == OK


def test_version_lists_every_extension_in_order(server):
    server.add_user("alice")
    conn = RawSftp(server.sftp_port)
    conn.send(INIT, u32(6))  # a client asking for a later version still gets 3
    reply = conn.receive()
    assert reply.kind == VERSION and reply.u32() == 3
    names = []
    while reply.pos < len(reply.body):
        names.append((reply.str().decode(), reply.str().decode()))
    assert names == list(EXTENSIONS.items())
    conn.close()


def test_posix_rename_replaces_and_v3_rename_does_not(server, raw):
    write_file(raw, "/a", b"new")
    write_file(raw, "/b", b"old")
    assert raw.status(RENAME, s("/a") + s("/b")) == FAILURE
    assert raw.extended("posix-rename@openssh.com", s("/a") + s("/b")).status()[0] == OK
    root = server.files("alice")
    assert sorted(os.listdir(root)) == ["b"] and (root / "b").read_bytes() == b"new"
    assert raw.extended("posix-rename@openssh.com", s("/a") + s("/c")).status()[0] == NO_SUCH_FILE


def statvfs_fields(reply):
    assert reply.kind == EXTENDED_REPLY
    return [reply.u64() for _ in range(11)]


def test_statvfs_and_fstatvfs_describe_the_users_file_system(server, raw):
    write_file(raw, "/f", b"x")
    expected = os.statvfs(server.files("alice"))
    for fields in (statvfs_fields(raw.extended("statvfs@openssh.com", s("/f"))),
                   statvfs_fields(raw.extended("fstatvfs@openssh.com",
                                               s(raw.handle("/f", FXF_READ))))):
        bsize, frsize, blocks, _bfree, _bavail, files, _ffree, _favail, _fsid, _flag, namemax = \
            fields
        assert (bsize, frsize, blocks, files, namemax) == (
            expected.f_bsize, expected.f_frsize, expected.f_blocks, expected.f_files,
            expected.f_namemax)
    assert raw.extended("statvfs@openssh.com", s("/missing")).status()[0] == NO_SUCH_FILE
    assert raw.extended("fstatvfs@openssh.com", s("no-such-handle")).status()[0] == FAILURE


def test_hardlink_makes_a_second_name_for_the_same_file(server, raw):
    write_file(raw, "/orig", b"shared")
    assert raw.extended("hardlink@openssh.com", s("/orig") + s("/link")).status()[0] == OK
    root = server.files("alice")
    assert os.stat(root / "orig").st_ino == os.stat(root / "link").st_ino
    assert os.stat(root / "orig").st_nlink == 2
    assert raw.extended("hardlink@openssh.com", s("/orig") + s("/link")).status()[0] == FAILURE
    assert raw.extended("hardlink@openssh.com", s("/gone") + s("/x")).status()[0] == NO_SUCH_FILE


def test_fsync_on_open_file_and_on_a_bad_handle(raw):
    h = raw.handle("/f", FXF_WRITE | FXF_CREAT)
    assert raw.status(WRITE, s(h) + u64(0) + s(b"durable")) == OK
    assert raw.extended("fsync@openssh.com", s(h)).status()[0] == OK
    assert raw.status(CLOSE, s(h)) == OK
    assert raw.extended("fsync@openssh.com", s(h)).status()[0] == FAILURE  # closed


def test_limits_advertise_large_reads_and_writes(raw):
    reply = raw.extended("limits@openssh.com")
    assert reply.kind == EXTENDED_REPLY
    max_packet, max_read, max_write, max_handles = (reply.u64() for _ in range(4))
    assert max_read == 1024 * 1024 and max_write == 256 * 1024
    assert max_packet >= max_read + 13  # a READ reply (header + data) fits in a packet
    assert max_handles == 256  # sftp.max_handles_per_session
    # The advertised sizes work: a 1 MiB read comes back whole, a 256 KiB write goes in whole.
    data = os.urandom(max_read)
    h = raw.handle("/big", FXF_WRITE | FXF_CREAT | FXF_TRUNC)
    for off in range(0, max_read, max_write):
        assert raw.status(WRITE, s(h) + u64(off) + s(data[off:off + max_write])) == OK
    assert raw.status(CLOSE, s(h)) == OK
    h = raw.handle("/big", FXF_READ)
    reply = raw.request(READ, s(h) + u64(0) + u32(max_read))
    assert reply.kind == DATA and reply.str() == data


def test_lsetstat_changes_the_file_not_the_symlink_target(server, raw):
    write_file(raw, "/target", b"t")
    assert raw.status(SYMLINK, s("target") + s("/ln")) == OK
    root = server.files("alice")
    body = attrs(ATTR_PERMISSIONS | ATTR_ACMODTIME, mode=0o600, times=(1_000_000, 1_000_000))
    assert raw.extended("lsetstat@openssh.com", s("/target") + body).status()[0] == OK
    st = os.stat(root / "target")
    assert (st.st_mode & 0o777, int(st.st_mtime)) == (0o600, 1_000_000)
    # A symlink's own attributes cannot be set here; its target must stay as it was.
    body = attrs(ATTR_PERMISSIONS, mode=0o644)
    assert raw.extended("lsetstat@openssh.com", s("/ln") + body).status()[0] == OP_UNSUPPORTED
    assert os.stat(root / "target").st_mode & 0o777 == 0o600
    assert raw.extended("lsetstat@openssh.com", s("/none") + body).status()[0] == NO_SUCH_FILE
    # SETSTAT, unlike lsetstat, follows the link: size, permissions and times reach the target.
    body = attrs(ATTR_SIZE | ATTR_PERMISSIONS | ATTR_ACMODTIME, size=0, mode=0o640,
                 times=(2_000_000, 2_000_000))
    assert raw.status(SETSTAT, s("/ln") + body) == OK
    st = os.stat(root / "target")
    assert (st.st_size, st.st_mode & 0o777, int(st.st_mtime)) == (0, 0o640, 2_000_000)


def test_copy_data_copies_ranges_on_the_server(server, raw):
    data = os.urandom(300_000)
    write_file(raw, "/src", data)
    src = raw.handle("/src", FXF_READ)
    dst = raw.handle("/dst", FXF_WRITE | FXF_CREAT | FXF_TRUNC)
    # Length 0: to the end of the source.
    reply = raw.extended("copy-data", s(src) + u64(0) + u64(0) + s(dst) + u64(0))
    assert reply.status()[0] == OK
    part = raw.handle("/part", FXF_READ | FXF_WRITE | FXF_CREAT)
    reply = raw.extended("copy-data", s(src) + u64(1000) + u64(5000) + s(part) + u64(10))
    assert reply.status()[0] == OK
    reply = raw.extended("copy-data", s(src) + u64(299_000) + u64(5000) + s(part) + u64(20_000))
    assert reply.status()[0] == EOF  # the source ends first, after what it had
    reply = raw.extended("copy-data", s(src) + u64(0) + u64(10) + s(src) + u64(0))
    assert reply.status()[0] == PERMISSION_DENIED  # the target is open for reading only
    reply = raw.extended("copy-data", s(src) + u64(0) + u64(10) + s("bogus") + u64(0))
    assert reply.status()[0] == FAILURE
    for h in (src, dst, part):
        assert raw.status(CLOSE, s(h)) == OK
    root = server.files("alice")
    assert (root / "dst").read_bytes() == data
    part_data = (root / "part").read_bytes()
    assert part_data[10:5010] == data[1000:6000] and part_data[20_000:] == data[299_000:]


def test_home_directory_is_the_root_of_the_jail(raw):
    reply = raw.extended("home-directory", s("alice"))
    assert reply.kind == NAME and reply.u32() == 1 and reply.str() == b"/"


def test_unknown_extension_and_packet_type_are_unsupported(raw):
    code, message, lang = raw.extended("check-file-name").status()
    assert code == OP_UNSUPPORTED and message and lang == "en"
    assert raw.status(99, b"") == OP_UNSUPPORTED
    assert raw.extended("home-directory", s("alice")).kind == NAME  # still usable


def test_status_codes(server, raw, tmp_path):
    root = server.files("alice")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("secret")
    os.symlink(str(outside), root / "planted")

    # NO_SUCH_FILE for a missing name, whatever the request.
    for kind, body in ((STAT, s("/missing")), (LSTAT, s("/missing")), (REMOVE, s("/missing")),
                       (OPENDIR, s("/missing")), (RMDIR, s("/missing")),
                       (OPEN, s("/missing") + u32(FXF_READ) + attrs()),
                       (OPEN, s("/no/dir/f") + u32(FXF_WRITE | FXF_CREAT) + attrs()),
                       (RENAME, s("/missing") + s("/x")), (READLINK, s("/missing")),
                       (SETSTAT, s("/missing") + attrs(ATTR_SIZE, size=0))):
        code, message, lang = raw.request(kind, body).status()
        assert (code, lang) == (NO_SUCH_FILE, "en"), (kind, code, message)
        assert message

    # PERMISSION_DENIED for a way out of the root, and for writing through a read handle.
    for kind, body in ((OPEN, s("/planted/secret") + u32(FXF_READ) + attrs()),
                       (OPEN, s("/planted/new") + u32(FXF_WRITE | FXF_CREAT) + attrs()),
                       (STAT, s("/planted/secret")), (OPENDIR, s("/planted")),
                       (MKDIR, s("/planted/d") + attrs()),
                       (REMOVE, s("/planted/secret"))):
        assert raw.request(kind, body).status()[0] == PERMISSION_DENIED, kind
    assert (outside / "secret").exists() and sorted(os.listdir(outside)) == ["secret"]
    # `..` and absolute paths do not leave the root: they name paths inside it.
    assert raw.status(STAT, s("/../../../../etc/passwd")) == NO_SUCH_FILE
    reply = raw.request(REALPATH, s("../../.."))
    assert reply.kind == NAME and reply.u32() == 1 and reply.str() == b"/"
    write_file(raw, "/r", b"read only")
    h = raw.handle("/r", FXF_READ)
    assert raw.status(WRITE, s(h) + u64(0) + s(b"x")) == PERMISSION_DENIED

    # FAILURE for requests that are well formed but cannot be done.
    assert raw.status(MKDIR, s("/d") + attrs()) == OK
    write_file(raw, "/d/f", b"")
    assert raw.status(RMDIR, s("/d")) == FAILURE  # not empty
    assert raw.status(MKDIR, s("/d") + attrs()) == FAILURE  # exists
    assert raw.status(RENAME, s("/r") + s("/d/f")) == FAILURE  # v3 rename never replaces
    assert raw.status(OPEN, s("/r") + u32(FXF_WRITE | FXF_CREAT | FXF_EXCL) + attrs()) == FAILURE
    assert raw.status(OPEN, s("/d") + u32(FXF_READ) + attrs()) == FAILURE  # a directory
    assert raw.status(REMOVE, s("/d")) == FAILURE  # a directory is not removed by REMOVE
    assert raw.status(CLOSE, s("no-such-handle")) == FAILURE
    assert raw.status(READ, s("no-such-handle") + u64(0) + u32(10)) == FAILURE

    # EOF at the end of a file and of a directory listing.
    assert raw.status(READ, s(h) + u64(1000) + u32(10)) == EOF
    d = raw.request(OPENDIR, s("/d"))
    assert d.kind == HANDLE
    dh = d.str()
    names = raw.request(READDIR, s(dh))
    assert names.kind == NAME
    listed = []
    for _ in range(names.u32()):
        listed.append(names.str())
        names.str()  # long name
        flags = names.u32()
        names.pos += 8 * bool(flags & ATTR_SIZE) + 8 * bool(flags & 2) + \
            4 * bool(flags & ATTR_PERMISSIONS) + 8 * bool(flags & ATTR_ACMODTIME)
    assert b"f" in listed and set(listed) <= {b".", b"..", b"f"}
    assert raw.status(READDIR, s(dh)) == EOF

    # BAD_MESSAGE for a request that is cut short or asks for nothing.
    assert raw.status(OPEN, s("/r")) == BAD_MESSAGE  # no flags, no attributes
    assert raw.status(OPEN, s("/r") + u32(0) + attrs()) == BAD_MESSAGE  # neither read nor write
    assert raw.status(STAT, b"\0\0\0\x10abc") == BAD_MESSAGE  # string longer than the packet
    assert raw.request(STAT, s("/r")).kind == ATTRS  # the session is still usable


def test_many_requests_in_flight_on_one_handle(raw):
    data = os.urandom(64 * 32768)
    write_file(raw, "/f", data)
    h = raw.handle("/f", FXF_READ)
    ids = list(range(1000, 1064))
    for i, rid in enumerate(ids):  # all sent before any reply is read
        raw.send(READ, u32(rid) + s(h) + u64(i * 32768) + u32(32768))
    got = {}
    for _ in ids:
        reply = raw.receive()
        rid = reply.u32()
        assert reply.kind == DATA
        got[rid] = reply.str()
    assert b"".join(got[rid] for rid in ids) == data


def closed(conn):
    conn.chan.settimeout(10)
    try:
        return conn.chan.recv(1) == b""
    except OSError:
        return True


def test_a_request_before_init_or_an_oversized_packet_ends_the_session(server):
    server.add_user("alice")
    conn = RawSftp(server.sftp_port)
    conn.send(STAT, u32(1) + s("/"))
    assert closed(conn)
    conn.close()
    conn = RawSftp(server.sftp_port)
    conn.init()
    conn.chan.sendall(u32(2 * 1024 * 1024) + bytes([WRITE]))  # over the 1 MiB + 1 KiB limit
    assert closed(conn)
    conn.close()
