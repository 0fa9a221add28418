"""curl against the server's HTTPS port, for the WebDAV and REST tests (not in a
conftest.py: that module name belongs to tests/cli when both directories run together)."""
import subprocess

import pytest

GOOD = "Correct-Horse-9-Battery"


class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        return self.headers.get(name.lower())

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


def curl(server, method, path, *args, user="alice", password=GOOD, data=None, upload=None,
         plain=False):
    """One request with curl (-k: the node's certificate is self-signed); --path-as-is keeps
    the path exactly as given, so that escapes reach the server undecoded."""
    port = server.http_port if plain else server.https_port
    scheme = "http" if plain else "https"
    cmd = ["curl", "-sgk", "--path-as-is", "-X", method, "-D", "-", "-o", "/dev/stderr",
           f"{scheme}://127.0.0.1:{port}{path}", *args]
    if user is not None:
        cmd += ["-u", f"{user}:{password}"]
    if data is not None:
        cmd += ["--data-binary", "@-"]
    if upload is not None:
        cmd += ["-T", str(upload)]
    proc = subprocess.run(cmd, input=data, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    blocks = proc.stdout.decode("latin-1").split("\r\n\r\n")
    # Skip interim responses ("100 Continue").
    head = [b for b in blocks if b.startswith("HTTP/") and not b.split()[1].startswith("1")][-1]
    lines = head.split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return Reply(int(lines[0].split()[1]), headers, proc.stderr)


def allow_plain_http(server, user="alice"):
    """Lets `user` log in over plain HTTP, which the site refuses by default (ssl_required)."""
    server.run("user", "set", user, "ssl_required=never_require")


@pytest.fixture
def alice(server):
    """A server with the user alice and her (empty) folder."""
    server.add_user("alice")
    server.files("alice").mkdir(parents=True, exist_ok=True)
    return server
