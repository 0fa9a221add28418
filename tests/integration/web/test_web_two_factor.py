"""The web sign-in's second step in Debian's Chromium against the real binary
(docs/two-factor.md#per-interface): a user with an authenticator app is asked for a code after
the password; a wrong code is refused with the server's message and the step stays; the app's
code signs in; a recovery code signs in once and is refused the second time."""
import pathlib
import sys

import pytest

from browser_fixture import browser  # noqa: F401
from test_web_users import GOOD, base

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "security"))
from two_factor_helpers import enrol, session  # noqa: E402

USER = "tova"


@pytest.fixture
def enrolled(server):
    server.add_user(USER, GOOD)
    app, codes = enrol(server, USER)
    return server, app, codes


def params(server, **extra):
    return {"url": base(server), "username": USER, "password": GOOD, **extra}


def test_the_web_sign_in_asks_for_the_apps_code(enrolled, browser):
    server, app, _ = enrolled
    got = browser("two_factor_code", **params(server, secret=app.totp.secret))
    assert got["signed_in"], got
    assert "The code was not accepted." in got["wrong"], got


def test_a_recovery_code_signs_in_on_the_web_once(enrolled, browser):
    server, _, codes = enrolled
    got = browser("two_factor_recovery", **params(server, recovery=codes[0]))
    assert got["signed_in"], got
    r = session(server, USER, otp=codes[0])
    assert r.status == 401, r.text
