"""The node registry (docs/cluster.md#node-registry): a running node's row with its name, region,
listeners and heartbeat, shown by `drawbridge node list` and GET /api/v1/nodes, marked stopped on
a clean stop and forgotten by `node remove` / DELETE /api/v1/nodes/{name}."""
import json
import os
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "http"))
from dav_curl import GOOD, curl  # noqa: E402

BINARY = os.environ.get("DRAWBRIDGE_BIN",
                        str(pathlib.Path(__file__).resolve().parents[3] / "build" / "drawbridge"))


def nodes(s):
    return {n["name"]: n for n in s.json("node", "list")}


def api(s, method, path, token):
    r = curl(s, method, "/api/v1" + path, "-H", f"X-FilesAPI-Auth: {token}", user=None)
    return r.status, (json.loads(r.body) if r.body else None)


def admin_token(s):
    s.add_user("root", GOOD, "--set", "site_admin=true")
    r = curl(s, "POST", "/api/v1/sessions", "-H", "Content-Type: application/json", user=None,
             data=json.dumps({"username": "root", "password": GOOD}).encode())
    assert r.status == 201, r.body
    return json.loads(r.body)["id"]


def test_a_node_registers_itself_and_is_marked_stopped(server_with):
    s = server_with(top='node_name = "node-a"\n', region="eu-central")
    row = nodes(s)["node-a"]
    assert row["region"] == "eu-central" and row["status"] == "up"
    assert f"sftp 127.0.0.1:{s.sftp_port}" in row["listeners"]
    assert f"https 127.0.0.1:{s.https_port}" in row["listeners"]
    assert row["version"].startswith("drawbridge ") and row["stopped_at"] is None
    assert 0 <= row["heartbeat_age_seconds"] <= 15
    assert "node 'node-a' in the node registry" in s.log_file.read_text()

    token = admin_token(s)
    status, listed = api(s, "GET", "/nodes", token)
    assert status == 200 and [n["name"] for n in listed] == ["node-a"]
    assert listed[0]["region"] == "eu-central"

    s.stop()
    row = nodes(s)["node-a"]
    assert row["status"] == "stopped" and row["stopped_at"]
    table = s.run("node", "list").stdout
    assert "node-a" in table and "stopped" in table

    s.run("node", "remove", "node-a")
    assert nodes(s) == {}
    again = s.run("node", "remove", "node-a", check=False)
    assert again.returncode == 1 and "no node named 'node-a'" in again.stderr


def test_the_api_forgets_a_node_and_only_admins_see_them(server_with):
    s = server_with(top='node_name = "node-b"\n')
    token = admin_token(s)
    s.add_user("alice")
    r = curl(s, "POST", "/api/v1/sessions", "-H", "Content-Type: application/json", user=None,
             data=json.dumps({"username": "alice", "password": GOOD}).encode())
    alice = json.loads(r.body)["id"]
    assert api(s, "GET", "/nodes", alice)[0] == 403
    assert api(s, "DELETE", "/nodes/ghost", token)[0] == 404
    assert api(s, "DELETE", "/nodes/node-b", token)[0] == 204
    assert api(s, "GET", "/nodes", token)[1] == []


def test_a_bad_node_name_is_refused_at_start(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('node_name = "two words"\n')
    r = subprocess.run([BINARY, "serve", "--data-dir", str(tmp_path / "d"), "--config", str(cfg)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "node_name" in r.stderr and "expected letters, digits" in r.stderr
