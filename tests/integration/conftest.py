"""A running `drawbridge serve` on loopback, with free ports, for protocol tests."""
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

import importlib.util  # noqa: E402

# The CLI tests' harness (one Drawbridge instance per test), loaded under its own name.
_spec = importlib.util.spec_from_file_location(
    "cli_harness", pathlib.Path(__file__).resolve().parents[1] / "cli" / "conftest.py")
_harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_harness)
BINARY, Drawbridge = _harness.BINARY, _harness.Drawbridge


class Server(Drawbridge):
    def __init__(self, tmp, host_keys=None, sftp_extra="", ftp_extra="", extra="",
                 address="127.0.0.1", region="test-region", top=""):
        super().__init__(tmp, init=False)  # `serve` creates the site
        a = self.address = address  # any of 127/8 (nodes behind a balancer use others)
        # `top`: keys outside any table (node_name = "...", database = "...").
        self.config.write_text(f'region = "{region}"\n' + top +
                               '[security]\npbkdf2_iterations = 1000\n'
                               f'[http]\naddress = "{a}"\nport = 0\nplain_port = 0\n'
                               f'[sftp]\naddress = "{a}"\nport = 0\n' + sftp_extra +
                               f'[ftp]\naddress = "{a}"\nport = 0\nimplicit_port = 0\n' +
                               ftp_extra + "\n" + extra)
        self.log_file = tmp / "serve.log"
        self.proc = None
        self.sftp_port = None
        self.ftp_port = None
        self.ftps_port = None
        self.https_port = None
        self.http_port = None  # plain HTTP
        if host_keys:
            # Generating an RSA 3072 host key takes longer than the rest of a start.
            self.data_dir.mkdir(mode=0o700)
            shutil.copytree(host_keys, self.data_dir / "host_keys")

    def start(self):
        out = open(self.log_file, "w")
        self.proc = subprocess.Popen([BINARY, "serve", "--data-dir", str(self.data_dir),
                                      "--config", str(self.config)], stdout=out,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            text = self.log_file.read_text()
            m = re.search(r"sftp listening on 127\.0\.0\.\d+:(\d+)", text)
            if m and "ready" in text:
                self.sftp_port = int(m.group(1))
                m = re.search(r"(?<!s)ftp listening on 127\.0\.0\.\d+:(\d+)", text)
                self.ftp_port = int(m.group(1)) if m else None
                m = re.search(r"ftps \(implicit\) listening on 127\.0\.0\.\d+:(\d+)", text)
                self.ftps_port = int(m.group(1)) if m else None
                for attr, proto in (("https_port", "https"), ("http_port", "http")):
                    p = re.search(proto + r" listening on 127\.0\.0\.\d+:(\d+)", text)
                    setattr(self, attr, int(p.group(1)) if p else None)
                return
            if self.proc.poll() is not None:
                raise AssertionError("drawbridge serve exited:\n" + text)
            time.sleep(0.1)
        raise AssertionError("drawbridge serve did not start:\n" + self.log_file.read_text())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="session")
def host_keys(tmp_path_factory):
    """Host keys made by one real first start, shared by every test's server."""
    first = Server(tmp_path_factory.mktemp("first-start"))
    first.start()
    first.stop()
    return first.data_dir / "host_keys"


@pytest.fixture
def server_with(tmp_path, host_keys):
    """A factory: server_with(sftp_extra='idle_timeout = 5\n') starts one with extra [sftp]
    (or, with ftp_extra, [ftp]) keys; `extra` is appended last, for other sections
    (extra='[proxy]\ntrusted = "127.0.0.1/32"\n')."""
    started = []

    def start(sftp_extra="", ftp_extra="", extra="", **kw):
        s = Server(tmp_path, host_keys, sftp_extra, ftp_extra, extra, **kw)
        s.start()
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def server(tmp_path, host_keys):
    s = Server(tmp_path, host_keys)
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def module_server(tmp_path_factory, host_keys):
    """One server for every test of a module (tests that keep to their own paths)."""
    s = Server(tmp_path_factory.mktemp("module"), host_keys)
    s.start()
    yield s
    s.stop()
