"""The OpenAPI document of the REST API, checked with tools nobody here wrote: JSON::Validator
(Debian's libjson-validator-perl) validates it against the OpenAPI 3.0 schema and checks real
requests and replies against what it says of each operation; OpenAPI::Client
(libopenapi-client-perl) builds a client from it and uses the API through it."""
import copy
import json
import pathlib
import re
import subprocess

import pytest

from dav_curl import GOOD, curl
from test_rest_api import API, call, login

HERE = pathlib.Path(__file__).resolve().parent


def check(document, requests=(), replies=()):
    """Runs openapi_check.pl; returns its {"document", "requests", "replies"} errors."""
    proc = subprocess.run(
        ["perl", str(HERE / "openapi_check.pl")], capture_output=True, timeout=120,
        input=json.dumps({"document": document, "requests": list(requests),
                          "replies": list(replies)}).encode())
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout)


def document(server):
    r = call(server, "GET", "/openapi.json")
    assert r.status == 200
    return r.json


@pytest.fixture
def admin(server):
    server.add_user("root", GOOD, "--set", "site_admin=true")
    server.add_user("alice")
    server.files("alice").mkdir(parents=True, exist_ok=True)
    return server, login(server, "root")


def test_the_document_is_valid_openapi(admin):
    server, _ = admin
    doc = document(server)
    assert check(doc)["document"] == []
    # What the schema of the specification cannot say: each path template variable is a path
    # parameter, every operation has an id of its own, a success and the error reply, and each
    # $ref points at something.
    ids = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            names = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert names == set(re.findall(r"{(\w+)}", path)), (method, path)
            assert any(code.startswith("2") for code in op["responses"]), (method, path)
            error = op["responses"]["default"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}, (method, path)
            ids.append(op["operationId"])
    assert len(ids) == len(set(ids))
    text = json.dumps(doc)
    for ref in set(re.findall(r'"\$ref": "#/([^"]+)"', text)):
        node = doc
        for part in ref.split("/"):
            node = node[part]
    # A broken document is refused: the check is not vacuous.
    broken = copy.deepcopy(doc)
    broken["paths"]["/api/v1/me"]["get"]["responses"] = {"200": {"content": {}}}
    assert check(broken)["document"]


def test_enumerations_and_ranges_are_what_the_server_accepts(admin):
    server, root = admin
    doc = document(server)
    params = {p["name"]: p["schema"] for p in doc["paths"]["/api/v1/history"]["get"]["parameters"]}
    # The server names every action it knows when it refuses one.
    refusal = call(server, "GET", "/history?action=failed_login", token=root).json["error"]
    assert set(params["action"]["enum"]) == set(refusal.split("expected one of ")[1].split(", "))
    for name in ("action", "interface", "failure_type"):
        for value in params[name]["enum"]:
            assert call(server, "GET", f"/history?{name}={value}&per_page=1",
                        token=root).status == 200, (name, value)
    users = {p["name"]: p["schema"] for p in doc["paths"]["/api/v1/users"]["get"]["parameters"]}
    for value in users["authentication_method"]["enum"]:
        assert call(server, "GET", f"/users?authentication_method={value}",
                    token=root).status == 200
    for schema, path in ((params["per_page"], "/history"), (users["per_page"], "/users")):
        for n, ok in ((schema["minimum"], True), (schema["maximum"], True),
                      (schema["minimum"] - 1, False), (schema["maximum"] + 1, False)):
            assert (call(server, "GET", f"{path}?per_page={n}", token=root).status == 200) == ok
    # Every setting's range is the server's: one past an end is refused, the end accepted.
    settings = doc["components"]["schemas"]["SiteSettingsUpdate"]["properties"]
    current = call(server, "GET", "/site", token=root).json
    for name, schema in settings.items():
        if schema["type"] != "integer":
            continue
        for n, status in ((schema["maximum"] + 1, 400), (schema["maximum"], 200),
                          (schema["minimum"] - 1, 400), (current[name], 200)):
            r = call(server, "PATCH", "/site", token=root, body={name: n})
            assert r.status == status, (name, n, r.text)
    # A setting the server does not act on yet takes only its default; the others take both
    # (but for rules across settings: hipaa=true needs a region).
    for name, schema in settings.items():
        if schema["type"] != "boolean":
            continue
        for value in (True, False):
            r = call(server, "PATCH", "/site?confirm=true", token=root, body={name: value})
            unimplemented = r.status == 400 and "not implemented yet" in r.json["error"]
            assert unimplemented == (value not in schema.get("enum", [value])), (name, r.text)
        call(server, "PATCH", "/site?confirm=true", token=root, body={name: current[name]})
    # No boolean setting is held to its default now (require_2fa acts: docs/two-factor.md).
    assert not any(s["type"] == "boolean" and "enum" in s for s in settings.values())
    # So it is with the choices of user fields: those a request may hold are accepted, the
    # others (shown in replies) refused.
    schemas = doc["components"]["schemas"]
    alice = call(server, "GET", "/users?search=alice", token=root).json[0]["id"]
    for name, schema in schemas["User"]["properties"].items():
        if "enum" not in schema or name == "authentication_method":
            continue  # (a change of method is tried below, on a user of its own)
        allowed = schemas["UserUpdate"]["properties"][name]["enum"]
        for value in schema["enum"]:
            r = call(server, "PATCH", f"/users/{alice}", token=root, body={name: value})
            assert (r.status == 200) == (value in allowed), (name, value, r.text)
    # A user field an administrator may write is in the request schemas, and one it may not
    # (read-only) is refused by the server and absent from them.
    create = doc["components"]["schemas"]["UserCreate"]["properties"]
    assert "email" in create and "last_login_at" not in create and "id" not in create
    r = call(server, "POST", "/users", token=root,
             body={"username": "ro", "password": GOOD, "last_login_at": "2020-01-01"})
    assert r.status == 400 and "read-only" in r.json["error"]
    methods = create["authentication_method"]["enum"]
    assert "password_with_imported_hash" not in methods and "password" in methods
    for value in schemas["User"]["properties"]["authentication_method"]["enum"]:
        # Some methods take a password, some none: one of the two is accepted when the value is.
        body = {"username": "m-" + value.replace("_", "-"), "authentication_method": value}
        statuses = {call(server, "POST", "/users", token=root, body=b).status
                    for b in (body, {**body, "password": GOOD})}
        assert (201 in statuses) == (value in methods), (value, statuses)


def path_params(template, concrete):
    """{"id": 7, "path": "docs/a.txt"} for "/users/{id}", "/users/7" and so on."""
    pattern = re.escape(template.split("?")[0])
    pattern = pattern.replace(r"/\{path\}", "/(?P<path>.*)").replace(r"\{id\}", r"(?P<id>\d+)")
    pattern = pattern.replace(r"\{key\}", "(?P<key>[^/]+)")
    m = re.fullmatch(pattern, concrete.split("?")[0])
    assert m, (template, concrete)
    return {k: int(v) if k == "id" else v for k, v in m.groupdict().items() if v is not None}


def ssh_public_key(tmp_path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "k")],
                   check=True)
    return (tmp_path / "k.pub").read_text().strip()


def test_requests_and_replies_conform(admin, tmp_path):
    server, root = admin
    doc = document(server)
    requests, wrong_requests, replies = [], [], []

    def record(method, template, concrete, token=None, body=None, body_fits=True):
        """One call, its reply and its body kept for the check (`body_fits`: the body is one the
        document allows)."""
        r = call(server, method, concrete, token=token, body=body)
        if body is not None:
            (requests if body_fits else wrong_requests).append(
                {"method": method, "path": API + template, "body": body,
                 "path_params": path_params(template, concrete)})
        reply = {"method": method, "path": API + template, "status": r.status,
                 "headers": r.headers}
        if r.json is not None:
            reply["body"] = r.json
        replies.append(reply)
        return r

    def upload(path, data):
        src = tmp_path / "upload"
        src.write_bytes(data)
        r = curl(server, "PUT", f"{API}/files{path}", "-H", f"X-FilesAPI-Auth: {alice}",
                 user=None, upload=src)
        replies.append({"method": "PUT", "path": API + "/files/{path}", "status": r.status,
                        "headers": r.headers, "body": json.loads(r.body)})

    session = record("POST", "/sessions", "/sessions",
                     body={"username": "alice", "password": GOOD})
    alice = session.json["id"]
    record("GET", "/me", "/me", token=alice)
    record("GET", "/me/generate_password", "/me/generate_password", token=alice)
    record("GET", "/sessions", "/sessions", token=alice)
    record("POST", "/me/password_check", "/me/password_check", token=alice,
           body={"password": "short"})
    # The web UI's sign-in (its cookie and CSRF token: tests/integration/web).
    record("POST", "/sessions", "/sessions",
           body={"username": "alice", "password": GOOD, "web": True})
    record("POST", "/users", "/users", token=root,
           body={"username": "bob", "password": GOOD, "email": "bob@example.com",
                 "allowed_ips": ["10.0.0.0/8"], "ftp_permission": False,
                 "authenticate_until": "2099-01-01", "ssl_required": "always_require"})
    page = record("GET", "/users", "/users?per_page=1", token=root)
    assert page.header("x-files-cursor")  # the header is documented
    record("GET", "/users", "/users?disabled=false&search=b", token=root)
    bob = call(server, "GET", "/users?search=bob", token=root).json[0]["id"]
    record("GET", "/users/{id}", f"/users/{bob}", token=root)
    record("PATCH", "/users/{id}", f"/users/{bob}", token=root,
           body={"email": "", "password": "New-Horse-7-Battery", "require_password_change": True})
    record("POST", "/users/{id}/disable", f"/users/{bob}/disable", token=root)
    record("POST", "/users/{id}/unlock", f"/users/{bob}/unlock", token=root)
    record("POST", "/users/{id}/api_keys", f"/users/{bob}/api_keys", token=root,
           body={"name": "ci", "description": "builds", "expires_at": "2099-01-01"})
    record("POST", "/users/{id}/api_keys", f"/users/{bob}/api_keys", token=root,
           body={"name": "forever", "expires_at": None})
    record("GET", "/users/{id}/api_keys", f"/users/{bob}/api_keys", token=root)
    record("POST", "/users/{id}/ssh_keys", f"/users/{bob}/ssh_keys", token=root,
           body={"public_key": ssh_public_key(tmp_path), "title": "laptop"})
    record("GET", "/users/{id}/ssh_keys", f"/users/{bob}/ssh_keys", token=root)
    record("GET", "/site", "/site", token=root)
    record("PATCH", "/site", "/site", token=root,
           body={"password_min_length": 12, "allowed_ips": "", "user_lockout": True})
    record("POST", "/folders/{path}", "/folders/docs", token=alice)
    upload("/docs/a.txt", b"hello")
    record("GET", "/folders/{path}", "/folders/docs", token=alice)
    record("GET", "/folders/{path}", "/folders/", token=alice)
    record("GET", "/file_actions/metadata/{path}", "/file_actions/metadata/docs/a.txt",
           token=alice)
    record("POST", "/file_actions/copy/{path}", "/file_actions/copy/docs/a.txt", token=alice,
           body={"destination": "/docs/b.txt"})
    record("POST", "/file_actions/move/{path}", "/file_actions/move/docs/b.txt", token=alice,
           body={"destination": "/docs/a.txt", "overwrite": True})
    record("GET", "/history", "/history?per_page=5", token=root)
    record("GET", "/history", "/history?action=login&interface=restapi", token=alice)
    # Errors, each in the one error shape.
    record("GET", "/users/{id}", "/users/999999", token=root)
    record("GET", "/users", "/users?per_page=0", token=root)
    record("GET", "/users", "/users", token=alice)
    record("GET", "/me", "/me")
    record("POST", "/sessions", "/sessions", body={"username": "alice", "password": "nope"})
    record("GET", "/folders/{path}", "/folders/nothing-here", token=alice)
    record("POST", "/file_actions/move/{path}", "/file_actions/move/docs/a.txt", token=alice,
           body={"destination": "/docs"})
    r = record("PATCH", "/site", "/site", token=root, body={"allowed_region": "elsewhere"})
    assert r.status == 409  # it would refuse every login on this node (of region test-region)
    # Bodies the document does not allow, refused by the server too.
    record("PATCH", "/site", "/site", token=root, body={"password_min_length": 0},
           body_fits=False)
    record("PATCH", "/site", "/site", token=root, body={"no_such_setting": True},
           body_fits=False)
    record("POST", "/users", "/users", token=root, body={"password": GOOD}, body_fits=False)
    record("POST", "/file_actions/copy/{path}", "/file_actions/copy/docs/a.txt", token=alice,
           body={"overwrite": True}, body_fits=False)

    # Each reply names a documented operation (the validator passes what it cannot find).
    for r in requests + wrong_requests + replies:
        assert r["method"].lower() in doc["paths"][r["path"]], r
    assert len(replies) > 30 and len({(r["method"], r["path"]) for r in replies}) > 20
    assert all(r["status"] == 400 for r in replies[-len(wrong_requests):])
    result = check(doc, requests + wrong_requests, replies)
    bad = [(requests[i], e) for i, e in enumerate(result["requests"][:len(requests)]) if e]
    assert not bad, bad
    assert all(result["requests"][len(requests):]), result["requests"][len(requests):]
    bad = [(replies[i], e) for i, e in enumerate(result["replies"]) if e]
    assert not bad, bad
    # A reply that differs from the document is caught (the check is not vacuous): an extra
    # property, a wrong type, a missing property.
    user = next(r for r in replies if r["path"].endswith("/users/{id}") and r["status"] == 200)
    for change in ({"surprise": 1}, {"disabled": "no"}, {"username": None}):
        wrong = copy.deepcopy(user)
        wrong["body"].update(change)
        assert check(doc, replies=[wrong])["replies"][0], change
    wrong = copy.deepcopy(user)
    del wrong["body"]["email"]
    assert check(doc, replies=[wrong])["replies"][0]
    error = next(r for r in replies if r["status"] == 404)
    wrong = copy.deepcopy(error)
    wrong["body"]["http-code"] = "404"
    assert check(doc, replies=[wrong])["replies"][0]
    listing = next(r for r in replies if r["path"].endswith("/folders/{path}")
                   and r["method"] == "GET" and r["status"] == 200)
    wrong = copy.deepcopy(listing)
    wrong["body"][0]["type"] = "symlink"
    assert check(doc, replies=[wrong])["replies"][0]


def test_a_generated_client_uses_the_api(admin, tmp_path):
    server, _ = admin
    doc_file = tmp_path / "openapi.json"
    doc_file.write_text(json.dumps(document(server)))
    proc = subprocess.run(["perl", str(HERE / "openapi_client.pl"), str(doc_file),
                           f"https://127.0.0.1:{server.https_port}", "alice", GOOD],
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    calls = {c["op"]: c for c in map(json.loads, proc.stdout.decode().splitlines())}
    status = {op: int(c["status"]) for op, c in calls.items()}
    assert status == {"createSession": 201, "getCurrentUser": 200, "createFolder": 201,
                      "uploadFile": 201, "copyFile": 201, "listFolder": 200, "getMetadata": 200,
                      "uploadNested": 201, "listNested": 200, "downloadFile": 206,
                      "listHistory": 200, "listHistoryBadPage": 400, "listHistoryBadAction": 400,
                      "listUsers": 403, "deleteSession": 204}, calls
    assert calls["getCurrentUser"]["body"]["username"] == "alice"
    # Folders first, then by name (docs/rest-api.md#folder-pages).
    assert [e["path"] for e in calls["listFolder"]["body"]] == ["/reports", "/copy.txt",
                                                              "/notes.txt"]
    assert calls["listNested"]["body"][0]["path"] == "/reports/q1.csv"
    assert (server.files("alice") / "reports" / "q1.csv").read_text() == "a,b\n"
    assert [e["path"] for e in calls["listHistory"]["body"]["entries"]] == ["/reports"]
    # The generated class refused these itself, from the document's range and enumeration,
    # before sending anything (its error shape, not the server's).
    for op in ("listHistoryBadPage", "listHistoryBadAction"):
        assert "errors" in calls[op]["body"] and "http-code" not in calls[op]["body"]
    assert calls["listUsers"]["body"]["type"] == "not-authorized/not-authorized"
