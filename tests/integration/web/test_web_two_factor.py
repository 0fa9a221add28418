"""The web sign-in's second step in Debian's Chromium against the real binary
(docs/two-factor.md#per-interface): a user with an authenticator app is asked for a code after
the password; a wrong code is refused with the server's message and the step stays; the app's
code signs in; a recovery code signs in once and is refused the second time. Enrolment from the
Account page (the QR code, the key, the first code, the recovery codes shown once), and the
setup-only session of a user whom the site requires to have 2FA."""
import pathlib
import sys
import time

import pytest

from browser_fixture import browser  # noqa: F401
from test_web_users import GOOD, admin_params, base

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "security"))
from two_factor_helpers import App, call, enrol, session  # noqa: E402

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


@pytest.mark.parametrize("setup_only", [False, True], ids=["account", "required"])
def test_enrolment_on_the_web_turns_the_app_on(server, browser, setup_only):
    server.add_user(USER, GOOD)
    if setup_only:
        server.run("site", "set", "require_2fa=true")
    got = browser("two_factor_enrol", **params(server, setup_only=setup_only))
    assert len(got["codes"]) == 10 and len(set(got["codes"])) == 10, got
    assert got["home"] == 1, got
    if setup_only:
        assert "requires two-factor authentication" in got["required"], got
    else:
        assert got["status"].startswith("On: authenticator app, 10 recovery codes left"), got
    # The password alone is no longer enough; with the app's next code it is.
    assert session(server, USER).status == 401
    app = App(got["secret"])
    app.last_step = int(time.time()) // 30  # the browser used this step's code
    r = session(server, USER, otp=app.code())
    assert r.status == 201, r.text



def test_an_administrator_resets_a_users_two_factor_authentication(enrolled, browser):
    server, _, _ = enrolled
    server.add_user("root", GOOD, "--set", "site_admin=true")
    token = session(server, "root").json["id"]
    users = call(server, "GET", "/users", token=token).json
    user = next(u for u in users if u["username"] == USER)
    assert user["active_2fa"] is True
    got = browser("two_factor_admin_reset", **admin_params(server, user_id=user["id"]))
    assert "on" in got["before"] and got["after"] == "", got
    assert got["field"] == "use_system_setting", got
    # The password alone signs in again.
    assert session(server, USER).status == 201


def test_a_security_key_registered_on_the_account_page_signs_in(server, browser):
    """Chrome's virtual authenticator (DevTools WebAuthn domain); the relying party is the
    site's host name, so the page is opened as https://localhost."""
    server.add_user(USER, GOOD)
    server.run("site", "set", "site_hostname=localhost")
    got = browser("two_factor_security_key", **params(
        server, key_name="YubiKey", url=f"https://localhost:{server.https_port}"))
    assert "error" not in got, got
    assert len(got["codes"]) == 10 and got["keys"] == ["YubiKey"], got
    assert got["home"] == 1 and got["second_error"] == "", got
