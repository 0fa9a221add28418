"""Hostile WebDAV XML bodies (issue: one PROPFIND nested 60,000 deep used to burn 40 s of CPU
and then crash the whole process): each is refused at once with 400 or 413, and every
protocol keeps serving."""
import socket
import time

import pytest

from dav_curl import GOOD, alice, curl  # noqa: F401 (alice is a fixture)


def nested(depth, inner=""):
    return ("<a>" * depth + inner + "</a>" * depth).encode()


def propfind(depth_body):
    return (b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop>' + depth_body +
            b"</D:prop></D:propfind>")


def assert_still_serving(server):
    r = curl(server, "PROPFIND", "/dav/", "-H", "Depth: 0")
    assert r.status == 207
    with socket.create_connection(("127.0.0.1", server.sftp_port), timeout=10) as s:
        assert s.recv(64).startswith(b"SSH-2.0-")
    with socket.create_connection(("127.0.0.1", server.ftp_port), timeout=10) as s:
        assert s.recv(64).startswith(b"220")


@pytest.mark.parametrize("method,body", [
    ("PROPFIND", propfind(nested(60000))),
    ("PROPPATCH", b'<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>' + nested(60000) +
     b"</D:prop></D:set></D:propertyupdate>"),
    ("LOCK", b'<D:lockinfo xmlns:D="DAV:"><D:owner>' + nested(60000) + b"</D:owner>"
     b"</D:lockinfo>"),
], ids=["propfind", "proppatch", "lock"])
def test_deep_nesting_is_refused_quickly(alice, method, body):
    (alice.files("alice") / "f.txt").write_text("x")
    started = time.monotonic()
    r = curl(alice, method, "/dav/f.txt", "-H", "Content-Type: application/xml",
             "-H", "Depth: 0", data=body)
    assert time.monotonic() - started < 5
    assert r.status == 400, r.text
    assert "deeper than 64" in r.text
    assert alice.proc.poll() is None
    assert_still_serving(alice)


def test_nesting_within_the_limit_is_kept(alice):
    (alice.files("alice") / "f.txt").write_text("x")
    value = "<v>" * 40 + "deep" + "</v>" * 40
    body = ('<D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z"><D:set><D:prop><Z:p>' + value +
            "</Z:p></D:prop></D:set></D:propertyupdate>").encode()
    assert curl(alice, "PROPPATCH", "/dav/f.txt", data=body).status == 207
    r = curl(alice, "PROPFIND", "/dav/f.txt", "-H", "Depth: 0",
             data=propfind(b'<Z:p xmlns:Z="urn:z"/>'))
    assert r.status == 207 and "deep" in r.text and r.text.count("<v") == 40


@pytest.mark.parametrize("body,message", [
    (propfind(b"<x/>" * 20000), "more than 10000 elements"),
    (propfind(b"<x " + b" ".join(b'a%d="1"' % i for i in range(100)) + b"/>"),
     "more than 64 attributes"),
    (b'<D:propfind xmlns:D="DAV:">' + b"".join(b'<x xmlns:p%d="urn:%d"/>' % (i, i)
                                                for i in range(300)) + b"</D:propfind>",
     "more than 256 namespaces"),
    (b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaa">]>'
     b'<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>', "document type declaration"),
    (b'<D:propfind xmlns:D="DAV:"><D:prop><q:x/></D:prop></D:propfind>', "not declared"),
    (b'<D:propfind xmlns:D="DAV:" xmlns:q="urn:' + b"u" * 600 + b'"><D:allprop/></D:propfind>',
     "longer than 512 bytes"),
    (b'<D:propfind xmlns:D="DAV:"><D:prop><x xmlns:="urn:x"/></D:prop></D:propfind>',
     "declaration has no prefix"),
    (b'<D:propfind xmlns:D="DAV:"><D:prop>' + b"".join(b"<p%d/>" % i for i in range(300)) +
     b"</D:prop></D:propfind>", "at most 256 properties"),
    (b'<D:propfind xmlns:D="DAV:"><D:prop>', "not well-formed"),
], ids=["elements", "attributes", "namespaces", "doctype", "prefix", "namespace-length",
        "xmlns-colon", "properties", "unclosed"])
def test_bodies_past_a_limit_get_a_clear_400(alice, body, message):
    r = curl(alice, "PROPFIND", "/dav/", "-H", "Depth: 1", data=body)
    assert r.status == 400 and message in r.text, r.text


def test_a_body_over_a_mebibyte_is_413(alice):
    body = propfind(b"<x/>" * 10 + b" " * (2 << 20))
    r = curl(alice, "PROPFIND", "/dav/", "-H", "Depth: 0", data=body)
    assert r.status == 413
    assert_still_serving(alice)


def test_lock_owner_children_carry_only_the_namespaces_they_use(alice):
    # Found by fuzzing: every declaration in scope used to be copied onto every child of the
    # owner, so a small body made a lock (and each lockdiscovery) hundreds of MB long.
    (alice.files("alice") / "f.txt").write_text("x")
    decls = "".join(f' xmlns:p{i}="urn:example:{"n" * 400}{i}"' for i in range(60))

    def lock(children):
        body = (f'<D:lockinfo xmlns:D="DAV:"{decls}><D:lockscope><D:exclusive/></D:lockscope>'
                '<D:locktype><D:write/></D:locktype><D:owner>' + "<p1:o/>" * children +
                "</D:owner></D:lockinfo>").encode()
        started = time.monotonic()
        r = curl(alice, "LOCK", "/dav/f.txt", "-H", "Content-Type: application/xml", data=body)
        assert time.monotonic() - started < 5
        return r

    r = lock(5000)  # past the owner's bound (docs/webdav.md), refused at once
    assert r.status == 400 and "owner is larger than 4096 bytes" in r.text, r.text
    r = lock(5)
    assert r.status == 200, r.text
    assert r.text.count("urn:example:") == 5  # one declaration per child, not sixty

def test_a_propfind_reply_is_bounded(alice):
    # 16 shared locks (the most that may overlap) with 4 KiB owners on a folder are repeated in
    # every entry's lockdiscovery: 1,100 entries would make a ~70 MB reply, built in memory.
    folder = alice.files("alice") / "big"
    folder.mkdir()
    for i in range(1100):
        (folder / f"f{i:04}").write_text("x")
    assert curl(alice, "PROPFIND", "/dav/big/", "-H", "Depth: 1").status == 207
    owner = "o" * 4000
    for _ in range(16):
        body = ('<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:shared/></D:lockscope>'
                f"<D:locktype><D:write/></D:locktype><D:owner>{owner}</D:owner>"
                "</D:lockinfo>").encode()
        r = curl(alice, "LOCK", "/dav/big/", "-H", "Depth: infinity", data=body)
        assert r.status == 200, r.text
    started = time.monotonic()
    r = curl(alice, "PROPFIND", "/dav/big/", "-H", "Depth: 1")
    assert time.monotonic() - started < 20
    assert r.status == 507 and "larger than 64 MiB" in r.text, r.status
    assert curl(alice, "PROPFIND", "/dav/big/", "-H", "Depth: 0").status == 207
