"""Every site setting is enforced or refused, against the real binary: settings the server does
not act on yet, country lists without a GeoIP database (and logins failing closed when it is
gone), and a region that would shut this node out (--yes)."""
import pathlib

import pytest

GOOD = "Correct-Horse-9-Battery"
ROOT = pathlib.Path(__file__).resolve().parents[2]
GEOIP = ROOT.parent / "shared" / "testdata" / "geoip" / "GeoIP2-Country-Test.mmdb"
GB = "81.2.69.142"
BASE_CONFIG = 'region = "test-region"\n[security]\npbkdf2_iterations = 1000\n'


@pytest.mark.parametrize("name,value,default", [
    ("require_2fa", "true", "false"),
], ids=["2fa"])
def test_settings_not_implemented_are_refused(db, name, value, default):
    proc = db.run("site", "set", f"{name}={value}", "password_min_length=12", check=False)
    assert proc.returncode == 1
    assert f"{name}: not implemented yet" in proc.stderr
    assert f"only the default '{default}' is accepted" in proc.stderr
    site = db.json("site", "show")
    assert str(site[name]).lower() == default and site["password_min_length"] == 10
    db.run("site", "set", f"{name}={default}")  # the default itself is fine


def test_user_require_2fa_is_refused(db):
    proc = db.add_user("alice", GOOD, "--set", "require_2fa=always_require", check=False)
    assert proc.returncode == 1 and "require_2fa: not implemented yet" in proc.stderr
    assert db.json("user", "list") == []
    db.add_user("alice")
    for value in ("always_require", "never_require"):
        proc = db.run("user", "set", "alice", f"require_2fa={value}", check=False)
        assert proc.returncode == 1 and "require_2fa: not implemented yet" in proc.stderr
    assert db.json("user", "show", "alice")["require_2fa"] == "use_system_setting"


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
