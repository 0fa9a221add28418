"""`drawbridge permission ...` (folder permissions) against the real binary."""


def test_set_list_replace_remove(db):
    db.add_user("alice")
    db.run("permission", "set", "alice", "/reports", "--allow", "read,list")
    db.run("permission", "set", "alice", "/drop/", "--allow", "write")
    db.run("permission", "set", "alice", "/")  # no --allow: everything
    rules = db.json("permission", "list", "alice")
    assert [(r["path"], r["permissions"]) for r in rules] == [
        ("/", ["list", "read", "write", "delete"]),
        ("/drop", ["write"]),  # made canonical
        ("/reports", ["list", "read"]),
    ]
    assert all(r["created_at"].endswith("Z") for r in rules)

    # Setting the same path again replaces its rule; '' and 'none' deny everything there.
    db.run("permission", "set", "alice", "/reports", "--allow", "")
    db.run("permission", "set", "alice", "/drop", "--allow", "none")
    rules = {r["path"]: r["permissions"] for r in db.json("permission", "list", "alice")}
    assert rules == {"/": ["list", "read", "write", "delete"], "/drop": [], "/reports": []}

    human = db.run("permission", "list", "alice").stdout
    assert "path" in human and "/reports" in human and "none" in human

    db.run("permission", "remove", "alice", "/reports")
    assert [r["path"] for r in db.json("permission", "list", "alice")] == ["/", "/drop"]


def test_changes_are_audited(db):
    db.add_user("alice")
    db.run("permission", "set", "alice", "/reports", "--allow", "list,read")
    db.run("permission", "remove", "alice", "/reports")
    entries = db.log("--username", "alice")
    assert entries[0]["action"] == "permission_destroy" and entries[0]["path"] == "/reports"
    assert entries[1]["action"] == "permission_create" and entries[1]["path"] == "/reports"
    assert "list,read" in entries[1]["detail"]


def test_bad_input_is_refused_with_a_clear_error(db):
    db.add_user("alice")
    proc = db.run("permission", "set", "alice", "/x", "--allow", "read,execute", check=False)
    assert proc.returncode != 0 and "list, read, write, delete" in proc.stderr
    proc = db.run("permission", "set", "alice", "relative/path", check=False)
    assert proc.returncode != 0 and "absolute path" in proc.stderr
    proc = db.run("permission", "set", "alice", "/a/../b", check=False)
    assert proc.returncode != 0 and ".." in proc.stderr
    proc = db.run("permission", "set", "ghost", "/x", check=False)
    assert proc.returncode != 0 and "no user named 'ghost'" in proc.stderr
    proc = db.run("permission", "remove", "alice", "/never", check=False)
    assert proc.returncode != 0 and "no folder permission at '/never'" in proc.stderr
    assert db.json("permission", "list", "alice") == []


def test_rules_go_with_their_user(db):
    db.add_user("alice")
    db.run("permission", "set", "alice", "/x", "--allow", "read")
    db.run("user", "delete", "alice")
    db.add_user("alice")
    assert db.json("permission", "list", "alice") == []
