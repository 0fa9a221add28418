"""Fixtures of the mail tests: an SMTP relay on loopback and a TLS certificate for it."""
import subprocess

import pytest

from mail_relay import Relay


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
