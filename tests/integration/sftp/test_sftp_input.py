"""How SFTP input reaches the engine (docs/sftp.md#input): requests are handled in place from
libssh's channel buffer, a request split over many SSH packets waits there whole, and requests
that arrive while more than 8 MiB of replies wait for the client stay there, bounded by the SSH
window, until the replies drain; nothing is lost or reordered on the way."""
import os
import struct
import threading

from test_sftp_extensions import (CLOSE, DATA, FXF_CREAT, FXF_READ, FXF_TRUNC, FXF_WRITE, OK,
                                  READ, STATUS, WRITE, s, u32, u64)
from test_sftp_limits import raw  # noqa: E402,F401 (a fixture: a server and a raw SFTP session)

MiB = 1 << 20


def packet(kind, rid, body):
    return u32(len(body) + 5) + bytes([kind]) + u32(rid) + body


def test_a_write_of_a_whole_packet_spans_many_ssh_packets(raw):
    # 1 MiB of data in one WRITE (the packet limit is 1 MiB + 1 KiB): libssh holds 32 KiB SSH
    # packets until the SFTP packet is whole; its window (1.28 MB) holds one.
    server, conn = raw
    data = os.urandom(MiB)
    h = conn.handle("/big.bin", FXF_WRITE | FXF_CREAT | FXF_TRUNC)
    assert conn.status(WRITE, s(h) + u64(0) + s(data)) == OK
    assert conn.status(WRITE, s(h) + u64(MiB) + s(data[:3])) == OK
    assert conn.status(CLOSE, s(h)) == OK
    assert (server.files("alice") / "big.bin").read_bytes() == data + data[:3]


def test_pipelined_requests_wait_out_back_pressure_in_order(raw):
    server, conn = raw
    source = os.urandom(MiB)
    root = server.files("alice")
    (root / "source.bin").write_bytes(source)
    src = conn.handle("/source.bin", FXF_READ)
    dst = conn.handle("/copy.bin", FXF_WRITE | FXF_CREAT | FXF_TRUNC)
    # 300 reads of 64 KiB (19 MiB of replies: past the client's window and the server's 8 MiB
    # of waiting replies), then 2.5 MiB of writes (past the server's SSH window), all sent
    # before a single reply is read.
    chunk = 64 * 1024
    reads = [(1000 + i, (i * chunk) % MiB) for i in range(300)]
    writes = [(5000 + j, j * chunk) for j in range(40)]
    stream = b"".join(packet(READ, rid, s(src) + u64(off) + u32(chunk)) for rid, off in reads)
    stream += b"".join(packet(WRITE, rid, s(dst) + u64(off) + s(source[off % MiB:][:chunk]))
                       for rid, off in writes)
    # The writes block on the SSH window until the server takes them: sent from a thread.
    sender = threading.Thread(target=conn.chan.sendall, args=(stream,), daemon=True)
    sender.start()
    for rid, off in reads:
        reply = conn.receive()
        assert (reply.kind, reply.u32()) == (DATA, rid)
        assert reply.str() == source[off:off + chunk]
    for rid, _ in writes:
        reply = conn.receive()
        assert (reply.kind, reply.u32()) == (STATUS, rid)
        assert reply.status()[0] == OK
    sender.join(10)
    assert not sender.is_alive()
    assert conn.status(CLOSE, s(dst)) == OK
    assert conn.status(CLOSE, s(src)) == OK
    expected = b"".join(source[off % MiB:][:chunk] for _, off in writes)
    assert (root / "copy.bin").read_bytes() == expected
    assert "malformed" not in server.log_file.read_text()


def test_a_packet_over_the_limit_closes_the_session(raw):
    server, conn = raw
    conn.chan.sendall(struct.pack(">I", (1 << 20) + 1025) + b"\x06")
    assert conn.chan.recv(1) == b""  # the channel closes
    assert "malformed SFTP stream" in server.log_file.read_text()
