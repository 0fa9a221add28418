"""What the web UI's user editor added to the REST API (docs/rest-api.md): GET/POST
/permissions and DELETE /permissions/{id} for administrators, the rule enforced on the user's
next session, the same rules the CLI's `permission list` shows; a user created with an
imported_password_hash logs in with the password behind it; a new method and its password in
one PATCH."""
import subprocess

from dav_curl import GOOD
from test_rest_api import assert_error, call, login

IMPORTED_PW = "Old-System-5-Password"
# A SHA-512-crypt hash as another system stored it (docs/password-hashes.md), by OpenSSL.
SHA512_CRYPT = subprocess.run(["openssl", "passwd", "-6", "-salt", "Ab1Cd2Ef", IMPORTED_PW],
                              capture_output=True, text=True, check=True).stdout.strip()


def test_folder_permissions_by_the_api(server):
    server.add_user("root", GOOD, "--set", "site_admin=true")
    server.add_user("bob")
    root = login(server, "root")
    bob_id = server.json("user", "show", "bob")["id"]
    bob = login(server, "bob")
    assert_error(call(server, "GET", f"/permissions?user_id={bob_id}", token=bob), 403,
                 "not-authorized/not-authorized")
    assert call(server, "GET", f"/permissions?user_id={bob_id}", token=root).json == []
    assert_error(call(server, "GET", "/permissions", token=root), 400, "bad-request/bad-request")
    assert_error(call(server, "GET", "/permissions?user_id=999", token=root), 404,
                 "not-found/not-found")
    r = call(server, "POST", "/permissions", token=root,
             body={"user_id": bob_id, "path": "/", "permission": "list,read"})
    assert r.status == 201, r.text
    rule = r.json
    assert rule["path"] == "/" and rule["permissions"] == ["list", "read"], rule
    assert_error(call(server, "POST", "/permissions", token=root,
                      body={"user_id": bob_id, "path": "/", "permission": "fly"}),
                 400, "bad-request/bad-request")
    assert_error(call(server, "POST", "/permissions", token=root,
                      body={"user_id": bob_id, "path": "/../x", "permission": "all"}),
                 400, "bad-request/bad-request")
    assert [p["path"] for p in server.json("permission", "list", "bob", "--json")] == ["/"]

    # The next session runs under the rule: listing works, writing is refused.
    bob = login(server, "bob")
    assert call(server, "GET", "/folders/", token=bob).status == 200
    assert call(server, "POST", "/folders/new", token=bob).status == 403

    assert call(server, "DELETE", f"/permissions/{rule['id']}", token=root).status == 204
    assert_error(call(server, "DELETE", f"/permissions/{rule['id']}", token=root), 404,
                 "not-found/not-found")
    assert call(server, "GET", f"/permissions?user_id={bob_id}", token=root).json == []
    bob = login(server, "bob")
    assert call(server, "POST", "/folders/new", token=bob).status == 201
    actions = [e["action"] for e in server.log("--username", "bob")]
    assert "permission_create" in actions and "permission_destroy" in actions


def test_a_user_with_an_imported_hash(server):
    server.add_user("root", GOOD, "--set", "site_admin=true")
    root = login(server, "root")
    r = call(server, "POST", "/users", token=root,
             body={"username": "imp", "imported_password_hash": SHA512_CRYPT})
    assert r.status == 201, r.text
    assert r.json["authentication_method"] == "password_with_imported_hash"
    assert SHA512_CRYPT not in r.text
    assert_error(call(server, "POST", "/users", token=root,
                      body={"username": "bad", "imported_password_hash": "nonsense"}),
                 400, "bad-request/bad-request")
    assert_error(call(server, "PATCH", f"/users/{r.json['id']}", token=root,
                      body={"password": GOOD, "imported_password_hash": SHA512_CRYPT}),
                 400, "bad-request/bad-request")
    login(server, "imp", IMPORTED_PW)
    # The first login re-stores it natively.
    assert server.json("user", "show", "imp")["authentication_method"] == "password"
    r = call(server, "PATCH", f"/users/{r.json['id']}", token=root,
             body={"imported_password_hash": SHA512_CRYPT})
    assert r.status == 200 and r.json["authentication_method"] == "password_with_imported_hash"
    assert not any(SHA512_CRYPT in e["detail"] for e in server.log("--username", "imp"))


def test_a_method_and_its_password_in_one_patch(server):
    server.add_user("root", GOOD, "--set", "site_admin=true")
    server.add_user("kay", None, "--set", "authentication_method=none")
    root = login(server, "root")
    kay = server.json("user", "show", "kay")["id"]
    # Alone, neither change can be made: none takes no password, password needs one.
    assert_error(call(server, "PATCH", f"/users/{kay}", token=root, body={"password": GOOD}),
                 400, "bad-request/bad-request")
    assert_error(call(server, "PATCH", f"/users/{kay}", token=root,
                      body={"authentication_method": "password"}),
                 400, "bad-request/bad-request")
    r = call(server, "PATCH", f"/users/{kay}", token=root,
             body={"authentication_method": "password", "password": GOOD,
                   "require_password_change": False})
    assert r.status == 200 and r.json["authentication_method"] == "password", r.text
    login(server, "kay")
    detail = [e["detail"] for e in server.log("--username", "kay", "--action", "user_update")]
    assert any("authentication_method" in d and "password set" in d for d in detail), detail
