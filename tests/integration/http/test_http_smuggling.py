"""Request framing over raw sockets (exact bytes): a request whose end a proxy in front could
see elsewhere than this server is refused and its connection closed, so that its body can never
run as a second request (request smuggling)."""
import base64
import socket

import pytest

from dav_curl import GOOD, alice, allow_plain_http  # noqa: F401 (alice is a fixture)

AUTH = "Authorization: Basic " + base64.b64encode(f"alice:{GOOD}".encode()).decode() + "\r\n"
# The request hidden in the first one's body: it must never be executed.
SMUGGLED = ("DELETE /dav/victim.txt HTTP/1.1\r\nHost: x\r\n" + AUTH +
            "Content-Length: 0\r\n\r\n").encode()


def exchange(server, data):
    """Sends `data` on one plain-HTTP connection and returns everything the server sends until
    it closes the connection (a timeout fails the test: the server kept it open)."""
    with socket.create_connection(("127.0.0.1", server.http_port), timeout=10) as s:
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk


def statuses(reply):
    return [int(line.split()[1]) for line in reply.split(b"\r\n") if line.startswith(b"HTTP/1.")]


@pytest.fixture
def victim(alice):
    # alice may log in over plain HTTP, so that a smuggled request would run if it got through.
    allow_plain_http(alice)
    (alice.files("alice") / "victim.txt").write_text("keep me")
    return alice


@pytest.mark.parametrize("codings,body_start", [
    (["xchunked"], b""),  # Beast 1.74 took this as no body
    (["chunked, gzip"], b""),
    (["gzip, chunked"], b"0\r\n\r\n"),  # Beast read it as chunked, ignoring gzip
    (["xchunked", "chunked"], b"0\r\n\r\n"),
    (["chunked", "chunked"], b"0\r\n\r\n"),
    (["Chunked", "x"], b"0\r\n\r\n"),
])
def test_a_coding_other_than_chunked_is_501_and_closes(victim, codings, body_start):
    head = "PUT /dav/first.txt HTTP/1.1\r\nHost: x\r\n" + AUTH + "".join(
        f"Transfer-Encoding: {c}\r\n" for c in codings) + "\r\n"
    reply = exchange(victim, head.encode() + body_start + SMUGGLED)
    assert statuses(reply) == [501], reply
    assert b"Transfer-Encoding: chunked" in reply  # says what is implemented
    assert (victim.files("alice") / "victim.txt").read_text() == "keep me"
    assert not (victim.files("alice") / "first.txt").exists()


@pytest.mark.parametrize("headers", [
    "Content-Length: 0\r\nTransfer-Encoding: xchunked\r\n",
    "Transfer-Encoding: xchunked\r\nContent-Length: 0\r\n",
    "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n",
    "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n",
])
def test_content_length_with_transfer_encoding_is_400_and_closes(victim, headers):
    head = "PUT /dav/first.txt HTTP/1.1\r\nHost: x\r\n" + AUTH + headers + "\r\n"
    reply = exchange(victim, head.encode() + b"0\r\n\r\n" + SMUGGLED)
    assert statuses(reply) == [400], reply
    assert (victim.files("alice") / "victim.txt").read_text() == "keep me"
    assert not (victim.files("alice") / "first.txt").exists()


def test_plain_chunked_upload_still_works(victim):
    head = "PUT /dav/first.txt HTTP/1.1\r\nHost: x\r\n" + AUTH + \
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    reply = exchange(victim, head.encode() + b"5\r\nhello\r\n0\r\n\r\n")
    assert statuses(reply) == [201], reply
    assert (victim.files("alice") / "first.txt").read_text() == "hello"


@pytest.mark.parametrize("request_head,status", [
    ("GET / HTTP/1.1\r\n\r\n", 400),  # HTTP/1.1 without Host
    ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    ("GET / HTTP/1.0\r\n\r\n", 200),  # HTTP/1.0 needs none
    ("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200),
])
def test_host_header(alice, request_head, status):
    reply = exchange(alice, request_head.encode())
    assert statuses(reply) == [status], reply
    if status == 400:
        assert b"Host" in reply
