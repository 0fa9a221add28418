"""PATCH /site and PATCH /users/{id} refuse what the node does not act on, as `site set` and
`user set` do: settings not implemented yet, country lists without a GeoIP database, and a
region that would refuse every login on this node unless confirmed (?confirm=true)."""
import pytest

from test_rest_api import admin, assert_error, call  # noqa: F401 (admin is a fixture)


@pytest.mark.parametrize("name,value", [("require_2fa", True)], ids=["2fa"])
def test_settings_not_implemented_are_refused(admin, name, value):
    server, root = admin
    before = call(server, "GET", "/site", token=root).json[name]
    r = call(server, "PATCH", "/site", token=root, body={name: value})
    assert_error(r, 400, "bad-request/bad-request")
    assert r.json["error"].startswith(f"{name}: not implemented yet"), r.json
    assert call(server, "GET", "/site", token=root).json[name] == before


def test_user_require_2fa_is_refused(admin):
    server, root = admin
    uid = server.json("user", "show", "alice")["id"]
    r = call(server, "PATCH", f"/users/{uid}", token=root, body={"require_2fa": "always_require"})
    assert r.status == 400 and "require_2fa: not implemented yet" in r.json["error"], r.text
    assert server.json("user", "show", "alice")["require_2fa"] == "use_system_setting"


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
