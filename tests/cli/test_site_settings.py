"""Every site setting is enforced or refused, against the real binary: require_2fa (which the
gate enforces, docs/two-factor.md), country lists without a GeoIP database (and logins failing closed when it is
gone), and a region that would shut this node out (--yes)."""
import pathlib

import pytest

GOOD = "Correct-Horse-9-Battery"
ROOT = pathlib.Path(__file__).resolve().parents[2]
GEOIP = ROOT.parent / "shared" / "testdata" / "geoip" / "GeoIP2-Country-Test.mmdb"
GB = "81.2.69.142"
BASE_CONFIG = 'region = "test-region"\n[security]\npbkdf2_iterations = 1000\n'


def test_require_2fa_is_taken_for_the_site_and_each_user(db):
    db.run("site", "set", "require_2fa=true")
    assert db.json("site", "show")["require_2fa"] is True
    db.add_user("alice", GOOD, "--set", "require_2fa=always_require")
    for value in ("never_require", "use_system_setting"):
        db.run("user", "set", "alice", f"require_2fa={value}")
        assert db.json("user", "show", "alice")["require_2fa"] == value
    # A password login of a user required to use 2FA, with none set up, is refused.
    out, rc = db.try_login("alice", GOOD)
    assert rc == 1 and out["failure_type"] == "second_factor_required"


def test_country_lists_need_a_geoip_database_and_fail_closed_without_it(db, tmp_path):
    db.add_user("alice")
    for setting in ("allowed_countries=GB", "disallowed_countries=US"):
        proc = db.run("site", "set", setting, check=False)
        assert proc.returncode == 1
        assert "no GeoIP database (node configuration geoip.database)" in proc.stderr
    assert db.json("site", "show")["allowed_countries"] == ""
    if not GEOIP.exists():
        pytest.skip(f"{GEOIP} is missing (the shared test data beside the repository)")

    copy = tmp_path / "countries.mmdb"
    copy.write_bytes(GEOIP.read_bytes())
    db.config.write_text(BASE_CONFIG + f'[geoip]\ndatabase = "{copy}"\n')
    db.run("site", "set", "allowed_countries=GB")
    assert db.try_login("alice", GOOD, ip=GB)[1] == 0

    # The database goes missing: every command still runs, and logins from public addresses
    # are refused with their own reason instead of being let through unchecked.
    copy.unlink()
    out, rc = db.try_login("alice", GOOD, ip=GB)
    assert rc == 1 and out["failure_type"] == "geoip_unavailable"
    assert f"GeoIP database {copy} is missing" in out["detail"]
    assert db.try_login("alice", GOOD, ip="127.0.0.1")[1] == 0  # never country-checked
    # No database configured at all (the key removed): the same.
    db.config.write_text(BASE_CONFIG)
    out, rc = db.try_login("alice", GOOD, ip=GB)
    assert rc == 1 and out["failure_type"] == "geoip_unavailable"
    assert "geoip.database" in out["detail"]
    assert {e["failure_type"] for e in db.log("--action", "failedlogin")} == {"geoip_unavailable"}
    # Clearing the rules needs no database.
    db.run("site", "set", "allowed_countries=")
    assert db.try_login("alice", GOOD, ip=GB)[1] == 0


def test_a_region_that_shuts_this_node_out_needs_yes(db):
    db.add_user("alice")
    proc = db.run("site", "set", "hipaa=true", "allowed_region=us-east", check=False)
    assert proc.returncode == 1
    assert "not changed: this change would refuse logins on this node" in proc.stderr
    assert "this node's region is 'test-region'" in proc.stderr and "--yes" in proc.stderr
    site = db.json("site", "show")
    assert site["hipaa"] is False and site["allowed_region"] == "all"
    assert db.try_login("alice", GOOD)[1] == 0

    proc = db.run("site", "set", "hipaa=true", "allowed_region=us-east", "--yes")
    assert "warning: this change refuses logins on this node" in proc.stderr
    assert db.json("site", "show")["allowed_region"] == "us-east"
    out, rc = db.try_login("alice", GOOD)
    assert rc == 1 and out["failure_type"] == "region_mismatch"
    # This node's own region needs no confirmation.
    db.run("site", "set", "allowed_region=test-region")
    assert db.try_login("alice", GOOD)[1] == 0


def test_the_relay_password_comes_from_stdin_and_is_never_shown(db):
    proc = db.run("site", "set", "smtp_password=hunter2-relay", check=False)
    assert proc.returncode != 0 and "standard input" in proc.stderr
    db.run("site", "set", "smtp_address=relay.example.com", "smtp_authentication=login",
           "smtp_username=mailer", "smtp_password=-", input="hunter2-relay\n")
    assert db.json("site", "show")["smtp_password"] == "(set)"
    assert "hunter2-relay" not in db.run("site", "show").stdout
    entries = db.log("--action", "site_update")
    assert entries and "smtp_password=(hidden)" in entries[0]["detail"]
    assert not any("hunter2-relay" in e["detail"] for e in entries)


def test_smtp_auth_needs_tls(db):
    proc = db.run("site", "set", "smtp_address=relay.example.com", "smtp_security=none",
                  "smtp_authentication=plain", "smtp_username=mailer", check=False)
    assert proc.returncode == 1 and "smtp_security" in proc.stderr
