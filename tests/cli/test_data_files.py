"""The database holds password hashes: it and its WAL files are readable by the owner only."""
import os
import stat


def modes(data_dir):
    """Mode bits of drawbridge.db and whichever of its -wal/-shm files exist."""
    out = {}
    for name in ("drawbridge.db", "drawbridge.db-wal", "drawbridge.db-shm"):
        path = data_dir / name
        if path.exists():
            out[name] = stat.S_IMODE(path.stat().st_mode)
    return out


def test_database_is_private_when_created(db):
    os.umask(0o022)  # the usual umask, under which SQLite alone makes the file 0644
    db.add_user("alice")
    found = modes(db.data_dir)
    assert "drawbridge.db" in found
    assert found == {name: 0o600 for name in found}, {k: oct(v) for k, v in found.items()}
    assert stat.S_IMODE(db.data_dir.stat().st_mode) == 0o700


def test_existing_database_is_made_private_at_open(db):
    db.add_user("alice")
    for name in modes(db.data_dir):
        os.chmod(db.data_dir / name, 0o644)  # as an older version left it
    db.run("user", "list")
    found = modes(db.data_dir)
    assert found and found == {name: 0o600 for name in found}, \
        {k: oct(v) for k, v in found.items()}
