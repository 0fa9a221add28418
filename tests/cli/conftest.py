"""Fixtures that run the real drawbridge binary against a fresh data directory."""
import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = os.environ.get("DRAWBRIDGE_BIN", str(ROOT / "build" / "drawbridge"))


class Drawbridge:
    """One independent instance: its own data directory and configuration file."""

    def __init__(self, tmp: pathlib.Path, init=True):
        self.data_dir = tmp / "data"
        self.config = tmp / "drawbridge.toml"
        # Low PBKDF2 cost keeps the suite fast; production uses the 600,000 default.
        self.config.write_text('region = "test-region"\n[security]\npbkdf2_iterations = 1000\n')
        if init:
            # Only `init` and `serve` create a site; every other command needs one.
            self.run("init")

    def run(self, *args, input=None, check=True, env=None):
        cmd = [BINARY, *args, "--data-dir", str(self.data_dir), "--config", str(self.config)]
        proc = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=60,
                              env={**os.environ, **(env or {})})
        if check and proc.returncode != 0:
            raise AssertionError(f"{cmd} exited {proc.returncode}\nstdout: {proc.stdout}\n"
                                 f"stderr: {proc.stderr}")
        return proc

    def json(self, *args, input=None):
        return json.loads(self.run(*args, "--json", input=input).stdout)

    def add_user(self, name, password="Correct-Horse-9-Battery", *extra, check=True):
        if password is None:
            return self.run("user", "add", name, *extra, check=check)
        return self.run("user", "add", name, "--password-stdin", *extra, input=password + "\n",
                        check=check)

    def try_login(self, name, secret, ip="127.0.0.1"):
        proc = self.run("login", "try", name, "--ip", ip, "--json", input=secret + "\n", check=False)
        return json.loads(proc.stdout), proc.returncode

    def log(self, *filters):
        return self.json("log", "search", *filters)["entries"]

    def files(self, user):
        """The user's default root folder: <data>/files/users/<id> (docs/user-roots.md)."""
        return self.data_dir / "files" / "users" / str(self.json("user", "show", user)["id"])


@pytest.fixture
def db(tmp_path):
    return Drawbridge(tmp_path)
