"""A real SMTP server (Debian's python3-aiosmtpd) on loopback for the mail tests, how to point a
drawbridge server at it, and its fixtures (imported by the tests: a conftest.py here would
shadow the one the CLI tests import by name)."""
import email
import email.policy
import re
import socket
import ssl
import subprocess
import time

import pytest

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """The aiosmtpd handler: keeps every message it accepted."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, msg))
        return "250 OK"

    def wait_for(self, count, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(self.messages) >= count:
                return self.messages
            time.sleep(0.1)
        raise AssertionError(f"{len(self.messages)} of {count} messages arrived")


def text_of(msg):
    return msg.get_body(("plain",)).get_content()


def link_token(msg):
    m = re.search(r"/#/set-password\?token=([0-9a-f]{64})", text_of(msg))
    assert m, text_of(msg)
    return m.group(1)


class Relay:
    def __init__(self, port=None, tls_dir=None, users=None):
        self.port = port or free_port()
        self.inbox = Inbox()
        kwargs = {}
        if tls_dir:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(tls_dir / "relay.crt", tls_dir / "relay.key")
            kwargs.update(tls_context=ctx, require_starttls=True)
        if users:
            def authenticator(server, session, envelope, mechanism, data):
                ok = (data.login.decode(), data.password.decode()) in users.items()
                return AuthResult(success=ok)
            kwargs.update(authenticator=authenticator, auth_required=True,
                          auth_require_tls=True)
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **kwargs)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()


def point_at(server, relay, *extra):
    server.run("site", "set", "smtp_address=127.0.0.1", f"smtp_port={relay.port}",
               "smtp_security=none", "site_hostname=files.example.com", *extra)

@pytest.fixture
def relay():
    r = Relay().start()
    yield r
    r.stop()


@pytest.fixture
def tls_dir(tmp_path):
    d = tmp_path / "relay-tls"
    d.mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(d / "relay.key"),
                    "-out", str(d / "relay.crt")], check=True, capture_output=True)
    return d
