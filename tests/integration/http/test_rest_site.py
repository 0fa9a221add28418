"""PATCH /site and PATCH /users/{id} refuse what the node does not act on, as `site set` and
`user set` do: country lists without a GeoIP database, and a region that would refuse every
login on this node unless confirmed (?confirm=true); and take require_2fa, which it acts on
(tests/integration/security/test_two_factor.py)."""
import pytest

from test_rest_api import admin, assert_error, call, login  # noqa: F401 (admin is a fixture)


def test_require_2fa_is_taken_for_the_site_and_each_user(admin):
    server, root = admin
    r = call(server, "PATCH", "/site", token=root, body={"require_2fa": True})
    assert r.status == 200 and r.json["require_2fa"] is True, r.text
    uid = server.json("user", "show", "alice")["id"]
    for value in ("always_require", "never_require", "use_system_setting"):
        r = call(server, "PATCH", f"/users/{uid}", token=root, body={"require_2fa": value})
        assert r.status == 200 and r.json["require_2fa"] == value, r.text
    r = call(server, "PATCH", f"/users/{uid}", token=root, body={"require_2fa": "sometimes"})
    assert_error(r, 400, "bad-request/bad-request")


def test_country_lists_need_a_geoip_database(admin):
    server, root = admin
    r = call(server, "PATCH", "/site", token=root, body={"allowed_countries": "GB"})
    assert r.status == 400 and "geoip.database" in r.json["error"], r.text
    assert call(server, "GET", "/site", token=root).json["allowed_countries"] == ""


def test_a_region_that_shuts_this_node_out_needs_confirmation(admin):
    server, root = admin
    body = {"hipaa": True, "allowed_region": "us-east"}
    r = call(server, "PATCH", "/site", token=root, body=body)
    assert r.status == 409, r.text
    assert "region is 'test-region'" in r.json["error"] and "confirm=true" in r.json["error"]
    assert call(server, "GET", "/site", token=root).json["hipaa"] is False
    r = call(server, "PATCH", "/site?confirm=true", token=root, body=body)
    assert r.status == 200 and r.json["allowed_region"] == "us-east", r.text


def test_the_site_schema_says_every_setting_with_its_group_range_and_default(admin):
    server, root = admin
    r = call(server, "GET", "/site/schema", token=root)
    assert r.status == 200, r.text
    groups = {g["name"]: g for g in r.json["groups"]}
    assert groups["password_policy"]["title"] == "Password policy"
    settings = {s["name"]: s for g in r.json["groups"] for s in g["settings"]}
    # Every setting GET /site answers is described once, in one group.
    assert set(settings) == set(call(server, "GET", "/site", token=root).json)
    minimum = settings["password_min_length"]
    assert (minimum["type"], minimum["minimum"], minimum["maximum"], minimum["default"]) == \
        ("integer", 1, 512, 10)
    assert settings["allowed_ips"]["type"] == "list"
    assert settings["user_lockout_scope"]["choices"] == ["user", "address"]
    assert settings["smtp_password"]["secret"] is True
    assert not any(s["not_implemented"] for s in settings.values())
    alice = login(server, "alice")
    assert call(server, "GET", "/site/schema", token=alice).status == 403


def test_a_change_that_shuts_the_admin_out_needs_confirmation(admin):
    server, root = admin
    # The tests' client is 127.0.0.1: an allow list without it would end this very session.
    r = call(server, "PATCH", "/site", token=root, body={"allowed_ips": "10.0.0.0/8"})
    assert r.status == 409, r.text
    assert "your own session ('root' from 127.0.0.1 over restapi)" in r.json["error"], r.json
    assert "ip_mismatch" in r.json["error"]
    assert call(server, "GET", "/site", token=root).json["allowed_ips"] == ""
    # A list that holds the admin's address is no question.
    r = call(server, "PATCH", "/site", token=root, body={"allowed_ips": "127.0.0.0/8, 10.0.0.0/8"})
    assert r.status == 200 and r.json["allowed_ips"] == "127.0.0.0/8,10.0.0.0/8", r.text
    # Nor is one that leaves the admin out when the admin bypasses the site's list.
    server.run("user", "set", "root", "bypass_site_allowed_ips=true")
    r = call(server, "PATCH", "/site", token=root, body={"allowed_ips": "10.0.0.0/8"})
    assert r.status == 200, r.text
