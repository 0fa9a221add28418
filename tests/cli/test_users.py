"""`drawbridge user ...`, `site ...`, `password generate` against the real binary."""
import re
import subprocess


def test_add_list_show_set_enable_disable_delete(db):
    db.add_user("alice", "Correct-Horse-9-Battery", "--email", "alice@example.com")
    db.add_user("bob", None, "--method", "none")
    users = db.json("user", "list")
    assert [u["username"] for u in users] == ["alice", "bob"]
    alice = db.json("user", "show", "ALICE")
    assert alice["email"] == "alice@example.com"
    assert alice["authentication_method"] == "password"
    assert alice["disabled"] is False
    assert "password_hash" not in alice  # secrets never leave the store

    db.run("user", "set", "alice", "ftp_permission=false", "allowed_ips=10.0.0.0/8,192.0.2.1",
           "password_validity_days=90", "authenticate_until=2030-01-01")
    alice = db.json("user", "show", "alice")
    assert alice["ftp_permission"] is False
    assert alice["allowed_ips"] == ["10.0.0.0/8", "192.0.2.1/32"]
    assert alice["password_validity_days"] == "90"
    assert alice["authenticate_until"] == "2030-01-01T00:00:00Z"

    db.run("user", "disable", "alice")
    assert db.json("user", "show", "alice")["disabled"] is True
    assert [u["username"] for u in db.json("user", "list", "--disabled")] == ["alice"]
    db.run("user", "enable", "alice")
    assert db.json("user", "list", "--disabled") == []

    human = db.run("user", "list").stdout
    assert "alice" in human and "enabled" in human and "authentication_method" in human

    db.run("user", "delete", "bob")
    assert [u["username"] for u in db.json("user", "list")] == ["alice"]
    actions = [e["action"] for e in db.log("--username", "bob")]
    assert actions[0] == "user_destroy" and "user_create" in actions


def test_bad_input_is_refused_with_a_clear_error(db):
    db.add_user("alice")
    proc = db.add_user("ALICE", "Correct-Horse-9-Battery", check=False)
    assert proc.returncode != 0
    assert "already taken" in proc.stderr
    proc = db.run("user", "set", "alice", "ssl_required=sometimes", check=False)
    assert proc.returncode == 1
    assert "ssl_required: expected use_system_setting, always_require or never_require" in proc.stderr
    proc = db.run("user", "set", "alice", "last_login_at=2020-01-01", check=False)
    assert "read-only" in proc.stderr
    proc = db.run("user", "set", "alice", "nonsense", check=False)
    assert "expected key=value" in proc.stderr
    proc = db.run("user", "show", "ghost", check=False)
    assert proc.returncode == 1 and "no user named 'ghost'" in proc.stderr
    proc = db.add_user("bad name", "Correct-Horse-9-Battery", check=False)
    assert proc.returncode != 0 and "username may contain only" in proc.stderr


def test_passwords_never_come_from_argv(db):
    proc = db.run("user", "add", "alice", "--password", "Correct-Horse-9-Battery", check=False)
    assert proc.returncode != 0
    proc = db.run("user", "password", "alice", "Correct-Horse-9-Battery", check=False)
    assert proc.returncode != 0


def test_password_policy_lists_every_unmet_rule(db):
    db.add_user("alice")
    proc = db.run("user", "password", "alice", input="abc\n", check=False)
    assert proc.returncode == 1
    message = proc.stderr
    for words in ("10", "number", "symbol"):
        assert words in message, message
    proc = db.run("user", "password", "alice", input="P030710p$E4o\n", check=False)
    assert proc.returncode == 1 and "common" in proc.stderr.lower(), proc.stderr


def test_password_reuse_and_change(db):
    db.add_user("alice")
    proc = db.run("user", "password", "alice", input="Correct-Horse-9-Battery\n", check=False)
    assert proc.returncode == 1 and "last 10" in proc.stderr, proc.stderr
    db.run("user", "password", "alice", "--require-change", input="New-Horse-9-Battery\n")
    out, rc = db.try_login("alice", "New-Horse-9-Battery")
    assert rc == 1 and out["failure_type"] == "password_change_required"


def test_generated_passwords_meet_the_policy(db):
    db.run("site", "set", "password_min_length=24")
    for _ in range(5):
        pw = db.run("password", "generate").stdout.strip()
        assert len(pw) >= 24
        assert re.search(r"[a-z]", pw) and re.search(r"[A-Z]", pw)
        assert re.search(r"[0-9]", pw) and re.search(r"[^A-Za-z0-9]", pw)
    out = db.run("user", "add", "gen", "--generate-password")
    pw = out.stdout.strip()
    result, rc = db.try_login("gen", pw)
    assert rc == 0 and result["success"], result
    assert len(db.run("password", "generate", "--length", "40").stdout.strip()) == 40


def test_site_show_and_set(db):
    site = db.json("site", "show")
    assert site["password_min_length"] == 10
    assert site["max_prior_passwords"] == 10
    assert site["password_require_unbreached"] is True
    assert site["user_lockout"] is True
    db.run("site", "set", "password_min_length=12", "allowed_ips=10.0.0.0/8")
    site = db.json("site", "show")
    assert site["password_min_length"] == 12 and site["allowed_ips"] == "10.0.0.0/8"
    proc = db.run("site", "set", "password_min_length=513", check=False)
    assert proc.returncode == 1
    assert "password_min_length: expected a whole number from 1 to 512, got '513'" in proc.stderr
    proc = db.run("site", "set", "hipaa=true", check=False)
    assert proc.returncode == 1 and "HIPAA" in proc.stderr
    db.run("site", "set", "allowed_region=test-region", "hipaa=true")
    assert db.json("site", "show")["hipaa"] is True
    assert "password_min_length" in db.run("site", "show").stdout
    assert db.log("--action", "site_update")


def test_instances_are_independent(db, tmp_path):
    from conftest import Drawbridge
    (tmp_path / "second").mkdir()
    other = Drawbridge(tmp_path / "second")
    db.add_user("alice")
    assert other.json("user", "list") == []
    other.add_user("bob")
    assert [u["username"] for u in db.json("user", "list")] == ["alice"]


def test_config_errors_name_the_key(db):
    db.config.write_text('region = "x"\nlisten_port = 22\n')
    proc = db.run("user", "list", check=False)
    assert proc.returncode == 1
    assert "unknown key 'listen_port'" in proc.stderr and ":2:" in proc.stderr
    db.config.write_text('[security]\npbkdf2_iterations = 5\n')
    proc = db.run("user", "list", check=False)
    assert "pbkdf2_iterations" in proc.stderr and "1000" in proc.stderr
    db.config.write_text('region = "ok"\n')
    proc = db.run("user", "list", env={"DRAWBRIDGE_LOG_LEVEL": "loud"}, check=False)
    assert proc.returncode == 1 and "DRAWBRIDGE_LOG_LEVEL" in proc.stderr
    db.config.write_text('[files]\nallowed_root_prefixes = "/srv/sftp, relative/x"\n')
    proc = db.run("user", "list", check=False)
    assert proc.returncode == 1 and "files.allowed_root_prefixes" in proc.stderr
    assert "'relative/x': expected an absolute folder" in proc.stderr
    db.config.write_text('region = "ok"\n')
    proc = db.run("user", "list", env={"DRAWBRIDGE_FILES_ALLOWED_ROOT_PREFIXES": "/srv/../etc"},
                  check=False)
    assert proc.returncode == 1 and "must not contain '..'" in proc.stderr


def test_help_lists_every_command():
    from conftest import BINARY
    out = subprocess.run([BINARY, "--help"], capture_output=True, text=True).stdout
    for command in ("serve", "init", "user", "apikey", "sshkey", "site", "log", "password", "login",
                    "permission"):
        assert command in out
    assert "pbkdf2_iterations" in out
