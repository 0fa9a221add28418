"""A root belongs to its account and lives where the node allows (docs/user-roots.md): curl's
WebDAV and REST requests against a real server, the accounts changed by the CLI and by the admin
REST API (issue 11, bugs 2 and 3)."""
import json

import pytest

from dav_curl import GOOD, curl

API = "/api/v1"


def api(server, method, path, token, body=None):
    r = curl(server, method, API + path, "-H", f"X-FilesAPI-Auth: {token}",
             "-H", "Content-Type: application/json", user=None,
             data=None if body is None else json.dumps(body).encode())
    r.json = json.loads(r.body) if r.body else None
    return r


def admin_token(server):
    server.add_user("root", GOOD, "--set", "site_admin=true")
    r = curl(server, "POST", API + "/sessions", "-H", "Content-Type: application/json",
             user=None, data=json.dumps({"username": "root", "password": GOOD}).encode())
    assert r.status == 201, r.text
    return json.loads(r.body)["id"]


def put(server, user, path, text):
    r = curl(server, "PUT", "/dav/" + path, user=user, data=text.encode())
    assert r.status in (201, 204), r.text


def get(server, user, path):
    return curl(server, "GET", "/dav/" + path, user=user)


def user_id(server, name):
    return server.json("user", "show", name)["id"]


def kept_folders(server):
    deleted = server.data_dir / "files" / ".deleted"
    return sorted(p.name for p in deleted.iterdir()) if deleted.exists() else []


# Bug 2, command line.
def test_a_renamed_user_keeps_its_files(server):
    server.add_user("alice")
    put(server, "alice", "report.csv", "alice's\n")
    server.run("user", "set", "alice", "username=alicia")
    r = get(server, "alicia", "report.csv")
    assert r.status == 200 and r.text == "alice's\n", r.text


def test_a_new_user_with_a_deleted_users_name_starts_empty(server):
    server.add_user("bot")
    old_id = user_id(server, "bot")
    put(server, "bot", "secret.txt", "the old bot's\n")
    out = server.run("user", "delete", "bot").stderr
    assert f".deleted/{old_id}-bot-" in out, out
    server.add_user("bot")
    assert get(server, "bot", "secret.txt").status == 404
    # Kept aside where no root can point, with the file intact.
    [kept] = kept_folders(server)
    assert kept.startswith(f"{old_id}-bot-")
    assert (server.data_dir / "files" / ".deleted" / kept / "secret.txt").read_text() == \
        "the old bot's\n"
    assert server.run("user", "set", "bot", f"user_root=.deleted/{kept}", check=False).returncode == 1
    [entry] = server.log("--action", "user_destroy")
    assert f"its files were moved to .deleted/{kept}" in json.dumps(entry), entry


# Bug 2, admin REST API: the same rules, from the same place.
def test_rest_rename_and_delete_follow_the_account(server):
    token = admin_token(server)
    server.add_user("alice")
    server.add_user("bot")
    put(server, "alice", "a.txt", "a\n")
    put(server, "bot", "b.txt", "b\n")
    r = api(server, "PATCH", f"/users/{user_id(server, 'alice')}", token, {"username": "alicia"})
    assert r.status == 200, r.text
    assert get(server, "alicia", "a.txt").text == "a\n"
    bot = user_id(server, "bot")
    assert api(server, "DELETE", f"/users/{bot}", token).status == 204
    r = api(server, "POST", "/users", token, {"username": "bot", "password": GOOD})
    assert r.status == 201, r.text
    assert get(server, "bot", "b.txt").status == 404
    assert [k.split("-")[:2] for k in kept_folders(server)] == [[str(bot), "bot"]]


# Bug 3: relative roots live under the files folder, whatever the server's working directory.
def test_a_relative_root_is_under_the_files_folder(server, tmp_path):
    server.add_user("alice", GOOD, "--set", "user_root=shared/acme/")
    assert server.json("user", "show", "alice")["user_root"] == "shared/acme"
    put(server, "alice", "x.txt", "x\n")
    assert (server.data_dir / "files" / "shared" / "acme" / "x.txt").read_text() == "x\n"


@pytest.mark.parametrize("root, says", [
    ("../escape", "must not contain '..'"),
    ("shared/../../escape", "must not contain '..'"),
    (".", "the files folder itself"),
    ("users/1", "default and the deleted users' roots"),
    ("/etc", "files.allowed_root_prefixes (none configured)"),
], ids=["dotdot", "inner-dotdot", "files-itself", "reserved", "outside"])
def test_roots_the_node_does_not_allow_are_refused(server, root, says):
    server.add_user("alice")
    proc = server.run("user", "set", "alice", f"user_root={root}", check=False)
    assert proc.returncode == 1 and says in proc.stderr, proc.stderr
    proc = server.add_user("bob", GOOD, "--set", f"user_root={root}", check=False)
    assert proc.returncode == 1 and says in proc.stderr, proc.stderr
    assert server.json("user", "show", "alice")["user_root"] == ""


def test_rest_refuses_a_root_the_node_does_not_allow(server):
    token = admin_token(server)
    server.add_user("alice")
    r = api(server, "PATCH", f"/users/{user_id(server, 'alice')}", token, {"user_root": "/etc"})
    assert r.status == 400 and "files.allowed_root_prefixes" in r.json["error"], r.text
    r = api(server, "POST", "/users", token,
            {"username": "bob", "password": GOOD, "user_root": "../bob"})
    assert r.status == 400 and "'..'" in r.json["error"], r.text


def test_an_absolute_root_needs_an_allowed_prefix_and_is_checked_at_login(server_with, tmp_path):
    srv = tmp_path / "srv"
    srv.mkdir()
    s = server_with(extra=f'[files]\nallowed_root_prefixes = "{srv}"\n')
    s.add_user("alice", GOOD, "--set", f"user_root={srv}/alice")
    put(s, "alice", "y.txt", "y\n")
    assert (srv / "alice" / "y.txt").read_text() == "y\n"
    proc = s.run("user", "set", "alice", f"user_root={tmp_path}/other", check=False)
    assert proc.returncode == 1 and str(srv) in proc.stderr, proc.stderr
    # The prefix taken out of the configuration: the stored root is no longer served.
    s.stop()
    s.config.write_text(s.config.read_text().replace(f'allowed_root_prefixes = "{srv}"', ""))
    s.start()
    r = get(s, "alice", "y.txt")
    assert r.status == 503 and "folder is not available" in r.text, r.text
    assert "files.allowed_root_prefixes" in s.log_file.read_text()
