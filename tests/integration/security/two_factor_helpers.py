"""Two-factor helpers for the tests (docs/two-factor.md): a user's authenticator app set up
through the REST API, and codes computed from its secret with Debian's python3-pyotp."""
import pathlib
import sys
import time

import pyotp

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "http"))
from dav_curl import GOOD, curl  # noqa: E402,F401
from test_rest_api import call as rest_call  # noqa: E402


def call(server, method, path, token=None, key=None, body=None, origin=None):
    """test_rest_api's call, with the Origin header of a page (security keys need it)."""
    return rest_call(server, method, path, token=token, key=key, body=body,
                     args=["-H", f"Origin: {origin}"] if origin else ())


class App:
    """An authenticator app: the codes of its secret, each step used once and in order, as the
    server accepts them (a code of a step at or before the last one used is a replay)."""

    def __init__(self, secret):
        self.totp = pyotp.TOTP(secret)
        self.last_step = 0

    def code(self):
        now_step = int(time.time()) // 30
        step = max(self.last_step + 1, now_step - 1)
        while step > int(time.time()) // 30 + 1:  # the server takes one step of drift
            time.sleep(1)
        self.last_step = step
        return self.totp.at(step * 30)


def session(server, username, password=GOOD, otp=None):
    body = {"username": username, "password": password}
    if otp:
        body["otp"] = otp
    return call(server, "POST", "/sessions", body=body)


def enrol(server, username, password=GOOD):
    """Sets up `username`'s app through the REST API; returns (App, recovery codes)."""
    r = session(server, username, password)
    assert r.status == 201, r.text
    token = r.json["id"]
    r = call(server, "POST", "/me/2fa/totp", token=token)
    assert r.status == 201, r.text
    assert r.json["otpauth_uri"].startswith("otpauth://totp/")
    assert r.json["qr_svg"].startswith("<svg")
    app = App(r.json["secret"])
    r = call(server, "POST", "/me/2fa/totp/confirm", token=token, body={"code": app.code()})
    assert r.status == 200, r.text
    codes = r.json["recovery_codes"]
    assert len(codes) == 10
    return app, codes
