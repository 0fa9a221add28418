"""The REST API with curl: sessions and API keys, every error shape, users, the action log,
files with Range, and the OpenAPI document checked against the routes that answer."""
import json
import os

import pytest

from dav_curl import GOOD, curl

API = "/api/v1"


def call(server, method, path, token=None, key=None, body=None, args=()):
    headers = []
    if token:
        headers += ["-H", f"X-FilesAPI-Auth: {token}"]
    if key:
        headers += ["-H", f"X-FilesAPI-Key: {key}"]
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers += ["-H", "Content-Type: application/json"]
    r = curl(server, method, API + path, *headers, *args, user=None, data=data)
    r.json = json.loads(r.body) if r.header("content-type") == "application/json" else None
    return r


def login(server, username, password=GOOD):
    r = call(server, "POST", "/sessions", body={"username": username, "password": password})
    assert r.status == 201, r.text
    return r.json["id"]


def assert_error(r, status, type_):
    assert r.status == status, r.text
    assert r.json["http-code"] == status and r.json["type"] == type_, r.json
    assert r.json["title"] and r.json["error"]


@pytest.fixture
def admin(server):
    server.add_user("root", GOOD, "--set", "site_admin=true")
    server.add_user("alice")
    return server, login(server, "root")


def test_login_refusals_use_the_error_shape(server):
    server.add_user("alice")
    r = call(server, "POST", "/sessions", body={"username": "alice", "password": "nope"})
    assert_error(r, 401, "not-authenticated/invalid-username-or-password")
    r = call(server, "POST", "/sessions", body={"username": "ghost", "password": "nope"})
    assert_error(r, 401, "not-authenticated/invalid-username-or-password")
    server.add_user("dis")
    server.run("user", "disable", "dis")
    assert_error(call(server, "POST", "/sessions", body={"username": "dis", "password": GOOD}),
                 403, "not-authorized/user-disabled")
    server.add_user("norest", GOOD, "--set", "restapi_permission=false")
    assert_error(call(server, "POST", "/sessions", body={"username": "norest", "password": GOOD}),
                 403, "not-authorized/rest-api-not-permitted")
    for _ in range(3):
        call(server, "POST", "/sessions", body={"username": "alice", "password": "nope"})
    server.run("site", "set", "user_lockout=true", "user_lockout_tries=2", check=False)
    assert_error(call(server, "POST", "/sessions", body={"username": "alice"}), 400,
                 "bad-request/bad-request")
    assert_error(call(server, "GET", "/me"), 401, "not-authenticated/authentication-required")
    assert_error(call(server, "GET", "/me", token="0" * 64), 401,
                 "not-authenticated/authentication-required")
    assert_error(call(server, "GET", "/me", key="0" * 64), 401,
                 "not-authenticated/invalid-username-or-password")
    failures = {(e["username"], e["failure_type"]) for e in server.log("--action", "failedlogin")
                if e["interface"] == "restapi"}
    assert {("alice", "password_mismatch"), ("dis", "disabled"),
            ("norest", "no_restapi_permission")} <= failures


def test_sessions_and_api_keys(server):
    server.add_user("alice")
    token = login(server, "alice")
    me = call(server, "GET", "/me", token=token)
    assert me.status == 200 and me.json["username"] == "alice"
    assert "password_hash" not in me.json and GOOD not in me.text
    assert call(server, "DELETE", "/sessions", token=token).status == 204
    assert call(server, "GET", "/me", token=token).status == 401

    secret = server.json("apikey", "create", "alice", "--name", "ci")["key"]
    r = call(server, "GET", "/me", key=secret)
    assert r.status == 200 and r.json["username"] == "alice"
    logins = [e for e in server.log("--action", "login") if e["interface"] == "restapi"]
    assert len(logins) >= 2


def test_users_are_for_administrators(admin):
    server, root = admin
    alice = login(server, "alice")
    assert_error(call(server, "GET", "/users", token=alice), 403, "not-authorized/not-authorized")

    r = call(server, "POST", "/users", token=root,
             body={"username": "bob", "password": GOOD, "email": "bob@example.com"})
    assert r.status == 201 and r.json["email"] == "bob@example.com"
    bob = r.json["id"]
    r = call(server, "POST", "/users", token=root, body={"username": "BOB", "password": GOOD})
    assert_error(r, 400, "bad-request/bad-request")
    assert "already taken" in r.json["error"]
    r = call(server, "POST", "/users", token=root, body={"username": "carl", "password": "short"})
    assert_error(r, 400, "bad-request/bad-request")
    assert "password" in r.json["error"].lower()
    assert_error(call(server, "POST", "/users", token=root, body=b"{not json"), 400,
                 "bad-request/bad-request")

    # "admin" is the administrator the first start created.
    r = call(server, "GET", "/users?per_page=2", token=root)
    assert [u["username"] for u in r.json] == ["admin", "alice"]
    assert r.header("x-files-cursor") == "alice"
    r = call(server, "GET", "/users?per_page=2&cursor=alice", token=root)
    assert [u["username"] for u in r.json] == ["bob", "root"]
    assert r.header("x-files-cursor") is None
    r = call(server, "GET", "/users?authentication_method=none", token=root)
    assert r.status == 200 and r.json == []
    assert_error(call(server, "GET", "/users?authentication_method=magic", token=root), 400,
                 "bad-request/bad-request")
    r = call(server, "GET", "/users?search=bob", token=root)
    assert [u["username"] for u in r.json] == ["bob"]
    assert_error(call(server, "GET", "/users?per_page=0", token=root), 400,
                 "bad-request/bad-request")

    assert call(server, "GET", f"/users/{bob}", token=root).json["username"] == "bob"
    assert_error(call(server, "GET", "/users/999", token=root), 404, "not-found/not-found")
    bob_token = login(server, "bob")
    r = call(server, "POST", f"/users/{bob}/disable", token=root)
    assert r.status == 200 and r.json["disabled"] is True
    assert call(server, "GET", "/me", token=bob_token).status == 401  # its sessions ended
    assert call(server, "POST", f"/users/{bob}/enable", token=root).json["disabled"] is False
    r = call(server, "PATCH", f"/users/{bob}", token=root, body={"disabled": True})
    assert r.status == 200 and r.json["disabled"] is True
    r = call(server, "GET", "/users?disabled=true", token=root)
    assert [u["username"] for u in r.json] == ["bob"]
    call(server, "PATCH", f"/users/{bob}", token=root, body={"disabled": False})
    assert_error(call(server, "PATCH", f"/users/{bob}", token=root, body={"nosuch": 1}), 400,
                 "bad-request/bad-request")
    r = call(server, "PATCH", f"/users/{bob}", token=root, body={"password": "New-Horse-7-Battery"})
    assert r.status == 200
    login(server, "bob", "New-Horse-7-Battery")
    assert call(server, "POST", f"/users/{bob}/unlock", token=root).status == 200
    assert call(server, "DELETE", f"/users/{bob}", token=root).status == 204
    assert call(server, "GET", f"/users/{bob}", token=root).status == 404
    actions = {e["action"] for e in server.log("--interface", "restapi")}
    assert {"user_create", "user_update", "user_destroy"} <= actions


def test_history_filters_and_pagination(admin):
    server, root = admin
    alice = login(server, "alice")
    for i in range(3):
        call(server, "POST", f"/folders/d{i}", token=alice)
    r = call(server, "GET", "/history?action=mkdir&per_page=2", token=root)
    assert r.status == 200 and len(r.json["entries"]) == 2 and r.json["next_cursor"]
    r2 = call(server, "GET", f"/history?action=mkdir&per_page=2&cursor={r.json['next_cursor']}",
              token=root)
    assert [e["path"] for e in r.json["entries"] + r2.json["entries"]] == ["/d2", "/d1", "/d0"]
    assert {e["failure_title"] for e in r.json["entries"]} == {""}  # not refusals
    call(server, "POST", "/sessions", body={"username": "alice", "password": "nope"})
    r = call(server, "GET", "/history?action=failedlogin&username=alice", token=root)
    assert [(e["failure_type"], e["failure_title"]) for e in r.json["entries"]] == \
        [("password_mismatch", "Invalid Username Or Password")], r.json
    # A user sees only its own entries, whatever it asks for.
    bad = call(server, "GET", "/history?action=failed_login", token=root)
    assert bad.status == 400 and "unknown action" in bad.json["error"]
    r = call(server, "GET", "/history?username=root", token=alice)
    assert r.json["entries"] and {e["username"] for e in r.json["entries"]} == {"alice"}
    assert_error(call(server, "GET", "/history?interface=gopher", token=root), 400,
                 "bad-request/bad-request")
    assert_error(call(server, "GET", "/history?since=yesterday", token=root), 400,
                 "bad-request/bad-request")


def test_files(server, tmp_path):
    server.add_user("alice")
    token = login(server, "alice")
    data = os.urandom(3 * 1024 * 1024 + 5)
    src = tmp_path / "up.bin"
    src.write_bytes(data)
    r = curl(server, "PUT", f"{API}/files/docs/up.bin", "-H", f"X-FilesAPI-Auth: {token}",
             user=None, upload=src)
    assert r.status == 409  # no such folder yet
    assert call(server, "POST", "/folders/docs", token=token).status == 201
    assert_error(call(server, "POST", "/folders/docs", token=token), 405,
                 "bad-request/method-not-allowed")
    r = curl(server, "PUT", f"{API}/files/docs/up.bin", "-H", f"X-FilesAPI-Auth: {token}",
             user=None, upload=src)
    assert r.status == 201
    assert (server.files("alice") / "docs" / "up.bin").read_bytes() == data
    r = call(server, "GET", "/folders/docs", token=token)
    assert r.json == [{"path": "/docs/up.bin", "type": "file", "size": len(data),
                       "mtime": r.json[0]["mtime"]}]
    r = call(server, "GET", "/file_actions/metadata/docs/up.bin", token=token)
    assert r.json["size"] == len(data) and r.json["type"] == "file"
    assert call(server, "GET", "/file_actions/metadata/docs", token=token).json["type"] == \
        "directory"
    r = call(server, "GET", "/files/docs/up.bin", token=token, args=["-H", "Range: bytes=5-9"])
    assert r.status == 206 and r.body == data[5:10]
    assert call(server, "GET", "/files/docs/up.bin", token=token).body == data
    assert_error(call(server, "GET", "/files/docs/none", token=token), 404, "not-found/not-found")
    r = call(server, "POST", "/file_actions/copy/docs/up.bin", token=token,
             body={"destination": "/docs/copy.bin"})
    assert r.status == 201
    r = call(server, "POST", "/file_actions/move/docs/copy.bin", token=token,
             body={"destination": "/docs/up.bin"})
    assert_error(r, 412, "processing-failure/precondition-failed")
    r = call(server, "POST", "/file_actions/move/docs/copy.bin", token=token,
             body={"destination": "/moved.bin"})
    assert r.status == 201 and (server.files("alice") / "moved.bin").exists()
    assert call(server, "DELETE", "/files/docs", token=token).status == 204
    assert not (server.files("alice") / "docs").exists()
    r = curl(server, "GET", f"{API}/files/%2e%2e/%2e%2e/etc/passwd", "-H",
             f"X-FilesAPI-Auth: {token}", user=None)
    assert r.status == 400 and b"root:" not in r.body
    entries = server.log("--interface", "restapi", "--action", "create")
    assert any(e["path"] == "/docs/up.bin" for e in entries)


def test_openapi_matches_the_routes(admin):
    server, root = admin
    r = call(server, "GET", "/openapi.json")
    assert r.status == 200 and r.json["openapi"].startswith("3.")
    paths = r.json["paths"]
    assert "/api/v1/users/{id}" in paths and "put" in paths["/api/v1/files/{path}"]
    # Every documented operation is routed: whatever it answers, it is not "no such route"
    # (404 from the router) nor "method not allowed" (405 from the router).
    for path, ops in paths.items():
        concrete = path.replace("{id}", "1").replace("{path}", "nothing-here").replace(
            "{key}", "nothing-here").replace("{ip}", "192.0.2.1").replace("{entry}", "1")
        for method in ops:
            if (method, path) == ("delete", "/api/v1/users/{id}"):
                continue  # would delete the administrator
            reply = curl(server, method.upper(), concrete, "-H", f"X-FilesAPI-Auth: {root}",
                         user=None, data=b"{}" if method in ("post", "patch", "put") else None)
            body = reply.body.decode()
            assert "no such route" not in body and "method not allowed here" not in body, \
                (method, path, reply.status, body)
    # And what is not documented is not routed.
    assert "no such route" in call(server, "GET", "/undocumented", token=root).text
    assert "method not allowed here" in call(server, "PATCH", "/me", token=root).text


def test_keys_site_and_own_password(admin, tmp_path):
    import subprocess
    server, root = admin
    alice_id = server.json("user", "show", "alice")["id"]
    alice = login(server, "alice")
    # Users manage their own keys only when the site allows it.
    assert_error(call(server, "GET", f"/users/{alice_id}/api_keys", token=alice), 403,
                 "not-authorized/not-authorized")
    r = call(server, "POST", f"/users/{alice_id}/api_keys", token=root,
             body={"name": "ci", "expires_at": "2099-01-01"})
    assert r.status == 201 and len(r.json["key"]) >= 32
    assert call(server, "GET", "/me", key=r.json["key"]).json["username"] == "alice"
    r = call(server, "PATCH", "/site", token=root, body={"users_can_create_api_keys": True,
                                                         "users_can_create_ssh_keys": True})
    assert r.status == 200 and r.json["users_can_create_api_keys"] is True
    r = call(server, "GET", f"/users/{alice_id}/api_keys", token=alice)
    assert [k["name"] for k in r.json] == ["ci"] and "key" not in r.json[0]
    root_id = server.json("user", "show", "root")["id"]
    assert_error(call(server, "GET", f"/users/{root_id}/api_keys", token=alice), 403,
                 "not-authorized/not-authorized")
    assert call(server, "DELETE", f"/users/{alice_id}/api_keys/ci", token=alice).status == 204
    assert call(server, "GET", f"/users/{alice_id}/api_keys", token=alice).json == []

    key = tmp_path / "id"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    r = call(server, "POST", f"/users/{alice_id}/ssh_keys", token=alice,
             body={"public_key": (tmp_path / "id.pub").read_text(), "title": "laptop"})
    assert r.status == 201 and r.json["fingerprint_sha256"].startswith("SHA256:")
    assert_error(call(server, "POST", f"/users/{alice_id}/ssh_keys", token=alice,
                      body={"public_key": "ssh-ed25519 garbage"}), 400, "bad-request/bad-request")
    keys = call(server, "GET", f"/users/{alice_id}/ssh_keys", token=alice).json
    assert [k["title"] for k in keys] == ["laptop"]
    assert call(server, "DELETE", f"/users/{alice_id}/ssh_keys/{keys[0]['id']}",
                token=alice).status == 204

    # Site settings: administrators only, validated.
    assert_error(call(server, "GET", "/site", token=alice), 403, "not-authorized/not-authorized")
    r = call(server, "PATCH", "/site", token=root, body={"password_min_length": 1000})
    assert_error(r, 400, "bad-request/bad-request")
    assert "password_min_length" in r.json["error"]
    assert_error(call(server, "PATCH", "/site", token=root, body={"nosuch": 1}), 400,
                 "bad-request/bad-request")
    assert call(server, "GET", "/site", token=root).json["password_min_length"] != 1000

    generated = call(server, "GET", "/me/generate_password", token=alice).json["password"]
    # One's own password changes only with the one in use now, proved like a login.
    assert_error(call(server, "POST", "/me/password", token=alice, body={"password": generated}),
                 400, "bad-request/bad-request")
    r = call(server, "POST", "/me/password", token=alice,
             body={"password": generated, "current_password": "Not-Her-Password-1"})
    assert r.status == 401, r.json
    assert server.log("--username", "alice")[0]["failure_type"] == "password_mismatch"
    assert_error(call(server, "POST", "/me/password", token=alice,
                      body={"password": "short", "current_password": GOOD}),
                 400, "bad-request/bad-request")
    assert call(server, "POST", "/me/password", token=alice,
                body={"password": generated, "current_password": GOOD}).status == 200
    login(server, "alice", generated)
    actions = {e["action"] for e in server.log("--interface", "restapi")}
    assert {"api_key_create", "api_key_destroy", "site_update"} <= actions


def test_fields_of_the_wrong_type_are_400_not_500(admin):
    server, root = admin
    alice = server.json("user", "show", "alice")["id"]
    r = call(server, "POST", f"/users/{alice}/api_keys", token=root,
             body={"name": "n", "description": 5})
    assert_error(r, 400, "bad-request/bad-request")
    r = call(server, "POST", f"/users/{alice}/ssh_keys", token=root,
             body={"public_key": "ssh-ed25519 AAAA", "title": ["x"]})
    assert_error(r, 400, "bad-request/bad-request")
    r = call(server, "PATCH", f"/users/{alice}", token=root,
             body={"password": "Another-Horse-7-Battery", "require_password_change": "yes"})
    assert_error(r, 400, "bad-request/bad-request")
    token = login(server, "alice")
    assert call(server, "POST", "/folders/a", token=token).status == 201
    assert call(server, "POST", "/folders/b", token=token).status == 201
    r = call(server, "POST", "/file_actions/move/a", token=token,
             body={"destination": "/b", "overwrite": "yes"})
    assert_error(r, 400, "bad-request/bad-request")


def test_require_password_change_alone_is_a_field(admin):
    server, root = admin
    alice = server.json("user", "show", "alice")["id"]
    r = call(server, "PATCH", f"/users/{alice}", token=root, body={"require_password_change": True})
    assert r.status == 200 and r.json["require_password_change"] is True, r.json
    assert server.json("user", "show", "alice")["require_password_change"] is True


def test_folder_listings_sort_and_page(server):
    server.add_user("alice")
    token = login(server, "alice")
    root = server.files("alice")
    (root / "many").mkdir(parents=True)
    names = [f"f{i:03d}" for i in range(250)]
    for i, name in enumerate(names):
        (root / "many" / name).write_bytes(b"x" * (i % 7))
    (root / "many" / "Zdir").mkdir()
    (root / "many" / "apple").write_bytes(b"")
    seen, cursor, pages = [], None, 0
    while True:
        q = "per_page=100" + (f"&cursor={cursor}" if cursor else "")
        r = call(server, "GET", f"/folders/many?{q}", token=token)
        assert r.status == 200 and len(r.json) <= 100
        seen += [e["path"].rsplit("/", 1)[1] for e in r.json]
        pages += 1
        cursor = r.header("x-files-cursor")
        if not cursor:
            break
        cursor = cursor.replace("%", "%25").replace("&", "%26").replace("+", "%2B")
        # An entry deleted after its page was sent does not lose the place.
        if pages == 1:
            (root / "many" / seen[-1]).unlink()
    # Folders first, then names without case first ("apple" before "f000").
    assert pages == 3 and seen == ["Zdir", "apple"] + names
    r = call(server, "GET", "/folders/many?sort_by=size&order=desc&per_page=5", token=token)
    sizes = [e["size"] for e in r.json]
    assert r.json[0]["type"] == "directory" and sizes[1:] == [6, 6, 6, 6]
    assert len(call(server, "GET", "/folders/many", token=token).json) == 251  # unpaged: all
    assert_error(call(server, "GET", "/folders/many?sort_by=owner", token=token), 400,
                 "bad-request/bad-request")
    assert_error(call(server, "GET", "/folders/many?cursor=nonsense", token=token), 400,
                 "bad-request/bad-request")
    assert_error(call(server, "GET", "/folders/many?per_page=0", token=token), 400,
                 "bad-request/bad-request")
