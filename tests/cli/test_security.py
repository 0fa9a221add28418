"""The login-security commands: ban, iplist, user unlock and what user show says of a lock."""
import json


def test_iplist_validates_and_refuses_duplicates(db):
    bad = db.run("iplist", "add", "safe", "10.0.0/8", check=False)
    assert bad.returncode != 0 and "10.0.0/8" in bad.stderr
    wrong_list = db.run("iplist", "add", "allow", "10.0.0.0/8", check=False)
    assert wrong_list.returncode != 0 and "'safe' or 'block'" in wrong_list.stderr
    db.run("iplist", "add", "safe", "10.1.2.3/8", "--note", "office")
    dup = db.run("iplist", "add", "safe", "10.0.0.0/8", check=False)
    assert dup.returncode != 0 and "already on the safe list" in dup.stderr
    db.run("iplist", "add", "block", "2001:db8::/32")
    assert [(e["list"], e["cidr"], e["note"]) for e in db.json("iplist", "list")] == [
        ("block", "2001:db8::/32", ""), ("safe", "10.0.0.0/8", "office")]
    assert [e["cidr"] for e in db.json("iplist", "list", "block")] == ["2001:db8::/32"]
    missing = db.run("iplist", "remove", "block", "192.0.2.0/24", check=False)
    assert missing.returncode != 0 and "not on the block list" in missing.stderr
    db.run("iplist", "remove", "safe", "10.0.0.0/8")
    assert [e["detail"] for e in db.log("--action", "ip_list_remove")] == ["safe 10.0.0.0/8"]


def test_ban_list_and_lift(db):
    db.add_user("alice")
    for i in range(5):
        out, rc = db.try_login(f"nobody{i}", "guess", ip="203.0.113.50")
        assert out["failure_type"] == "username_not_found"
    bans = db.json("ban", "list")
    assert [b["ip"] for b in bans] == ["203.0.113.50"] and bans[0]["offences"] == 1
    out, _ = db.try_login("alice", "Correct-Horse-9-Battery", ip="203.0.113.50")
    assert out["failure_type"] == "rate_limited"
    table = db.run("ban", "list").stdout
    assert "203.0.113.50" in table and "expires_at" in table
    bad = db.run("ban", "lift", "198.51.100.1", check=False)
    assert bad.returncode != 0 and "no ban" in bad.stderr
    db.run("ban", "lift", "203.0.113.50")
    assert db.json("ban", "list") == []
    assert len(db.json("ban", "list", "--all")) == 0  # lifting forgets the offence too
    out, rc = db.try_login("alice", "Correct-Horse-9-Battery", ip="203.0.113.50")
    assert rc == 0, out


def test_user_show_reports_the_lock_until_unlocked(db):
    db.add_user("alice")
    for i in range(6):
        db.try_login("alice", "wrong", ip=f"192.0.2.{i + 1}")
    shown = db.json("user", "show", "alice")
    assert shown["locked_out"] is True and shown["lockout_expires"]
    assert "locked_out" in db.run("user", "show", "alice").stdout
    out, _ = db.try_login("alice", "Correct-Horse-9-Battery", ip="192.0.2.99")
    assert out["failure_type"] == "locked_out"
    db.run("user", "unlock", "alice")
    assert db.json("user", "show", "alice")["locked_out"] is False
    out, rc = db.try_login("alice", "Correct-Horse-9-Battery", ip="192.0.2.99")
    assert rc == 0, out
