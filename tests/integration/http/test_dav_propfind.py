"""PROPFIND Depth 1 as clients read it: every entry of a large folder with its names, sizes,
times and tags; dead properties (allprop, propname, asked for by name) and locks on each entry
(docs/webdav.md#speed: entries are read relative to the folder's descriptor)."""
import email.utils
import os
import time
import urllib.parse
import xml.etree.ElementTree as ET

from dav_curl import alice, curl  # noqa: F401 (alice is a fixture)

D = "{DAV:}"
ALLPROP = b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>'


def responses(reply):
    """{href: {property tag: (status, element)}} of a multistatus reply."""
    assert reply.status == 207, reply.text
    out = {}
    for r in ET.fromstring(reply.body).findall(D + "response"):
        props = {}
        for ps in r.findall(D + "propstat"):
            status = int(ps.find(D + "status").text.split()[1])
            for p in ps.find(D + "prop"):
                props[p.tag] = (status, p)
        out[r.find(D + "href").text] = props
    return out


def propfind(server, path, body=None, depth="1"):
    return responses(curl(server, "PROPFIND", path, "-H", f"Depth: {depth}", data=body))


def test_a_folder_of_ten_thousand_entries_lists_each_one_as_it_is(alice):
    folder = alice.files("alice") / "many"
    folder.mkdir()
    base = 1_700_000_000
    names = [f"file-{i:05d}.txt" for i in range(10_000)]
    names[:4] = ["a b.txt", "100%.csv", "caf\u00e9 & <t>.txt", "noext"]
    for i, name in enumerate(names):
        (folder / name).write_bytes(b"x" * (i % 97))
        os.utime(folder / name, (base + i * 3607, base + i * 3607))
    (folder / "sub").mkdir()
    (folder / "link.txt").symlink_to(names[5])
    before = time.time()
    listing = propfind(alice, "/dav/many")  # no body: allprop
    assert time.time() - before < 10
    assert len(listing) == 1 + len(names) + 2
    assert listing["/dav/many/"][D + "resourcetype"][1].find(D + "collection") is not None
    for i, name in enumerate(names):
        href = "/dav/many/" + urllib.parse.quote(name, safe="/:@!$()*+,;=")
        props = listing[href]
        st = os.stat(folder / name)
        value = {tag: p.text for tag, (status, p) in props.items() if status == 200}
        assert value[D + "getcontentlength"] == str(i % 97)
        assert value[D + "getlastmodified"] == email.utils.formatdate(base + i * 3607,
                                                                      usegmt=True)
        assert value[D + "creationdate"] == time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                          time.gmtime(st.st_ctime))
        assert value[D + "getetag"] == (f'"{st.st_ino:x}-{st.st_size:x}-'
                                        f'{st.st_mtime_ns:x}"')
        assert list(props[D + "resourcetype"][1]) == []
    # Each tag is the one GET sends.
    assert curl(alice, "GET", "/dav/many/noext").header("etag") == \
        listing["/dav/many/noext"][D + "getetag"][1].text
    assert listing["/dav/many/a%20b.txt"][D + "getcontenttype"][1].text == "text/plain"
    assert listing["/dav/many/100%25.csv"][D + "getcontenttype"][1].text == "text/csv"
    sub = listing["/dav/many/sub/"]
    assert sub[D + "resourcetype"][1].find(D + "collection") is not None
    assert D + "getcontentlength" not in sub
    # A link shows the file it points to.
    assert listing["/dav/many/link.txt"][D + "getcontentlength"][1].text == "5"


def test_dead_properties_show_on_every_entry_that_has_them(alice):
    curl(alice, "MKCOL", "/dav/d")
    for name in ("a.txt", "b.txt"):
        assert curl(alice, "PUT", f"/dav/d/{name}", data=b"1").status == 201
    curl(alice, "MKCOL", "/dav/d/sub")
    os.symlink("a.txt", alice.files("alice") / "d" / "to-a.txt")
    body = (b'<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z">'
            b'<D:set><D:prop><Z:author>Ann &amp; Bo</Z:author></D:prop></D:set>'
            b'</D:propertyupdate>')
    for path in ("/dav/d/a.txt", "/dav/d/sub", "/dav/d"):
        assert curl(alice, "PROPPATCH", path, data=body).status == 207
    author = "{urn:z}author"
    with_author = {"/dav/d/", "/dav/d/a.txt", "/dav/d/sub/", "/dav/d/to-a.txt"}

    for listing in (propfind(alice, "/dav/d"), propfind(alice, "/dav/d", ALLPROP)):
        for href, props in listing.items():
            if href in with_author:
                assert props[author][0] == 200 and props[author][1].text == "Ann & Bo", href
            else:
                assert author not in props, href

    names = propfind(alice, "/dav/d", b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:">'
                                      b'<D:propname/></D:propfind>')
    assert {h for h, p in names.items() if author in p} == with_author
    assert names["/dav/d/b.txt"][D + "getetag"][1].text is None

    asked = propfind(alice, "/dav/d", b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:" '
                                      b'xmlns:Z="urn:z"><D:prop><Z:author/><D:getcontentlength/>'
                                      b'</D:prop></D:propfind>')
    for href, props in asked.items():
        assert props[author][0] == (200 if href in with_author else 404), href
        assert props[D + "getcontentlength"][0] == (404 if href.endswith("/") else 200), href
    assert asked["/dav/d/a.txt"][author][1].text == "Ann & Bo"


def test_a_property_set_after_a_listing_shows_in_the_next_one(alice):
    """Files seen without dead properties are remembered by their ctime, which every change of
    an attribute sets: PROPPATCH and any other writer of the attribute show at once."""
    folder = alice.files("alice") / "settled"
    folder.mkdir()
    for i in range(50):
        (folder / f"f{i}.txt").write_bytes(b"1")
    time.sleep(0.5)  # ctimes old enough to be remembered
    author = "{urn:z}author"
    assert all(author not in p for p in propfind(alice, "/dav/settled").values())
    body = (b'<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z">'
            b'<D:set><D:prop><Z:author>Ann</Z:author></D:prop></D:set></D:propertyupdate>')
    assert curl(alice, "PROPPATCH", "/dav/settled/f3.txt", data=body).status == 207
    # As a restore with extended attributes (rsync -X) would write it.
    os.setxattr(folder / "f4.txt", "user.drawbridge.dav", b"urn:z\0author\0Bo\0")
    listing = propfind(alice, "/dav/settled")
    assert listing["/dav/settled/f3.txt"][author][1].text == "Ann"
    assert listing["/dav/settled/f4.txt"][author][1].text == "Bo"
    assert author not in listing["/dav/settled/f5.txt"]


def test_each_entry_shows_the_locks_that_cover_it(alice):
    curl(alice, "MKCOL", "/dav/l")
    for name in ("own.txt", "other.txt"):
        curl(alice, "PUT", f"/dav/l/{name}", data=b"1")

    def lock(path, depth):
        body = (b'<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:shared/>'
                b'</D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>')
        r = curl(alice, "LOCK", path, "-H", f"Depth: {depth}", data=body)
        assert r.status == 200, r.text
        return r.header("lock-token").strip("<>")

    folder_only = lock("/dav/l", "0")
    own = lock("/dav/l/own.txt", "0")

    def tokens(listing, href):
        found = listing[href][D + "lockdiscovery"][1]
        return {t.text for t in found.iter(D + "href") if t.text.startswith("opaquelocktoken:")}

    listing = propfind(alice, "/dav/l")
    assert tokens(listing, "/dav/l/") == {folder_only}
    assert tokens(listing, "/dav/l/own.txt") == {own}
    assert tokens(listing, "/dav/l/other.txt") == set()
    deep = lock("/dav/l", "infinity")
    listing = propfind(alice, "/dav/l")
    assert tokens(listing, "/dav/l/") == {folder_only, deep}
    assert tokens(listing, "/dav/l/own.txt") == {own, deep}
    assert tokens(listing, "/dav/l/other.txt") == {deep}
