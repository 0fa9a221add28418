"""A running server's database files (with its -wal and -shm open) are the owner's only."""
import os
import stat


def test_running_database_and_wal_files_are_private(server):
    os.umask(0o022)
    server.add_user("alice")  # a write while serve holds the database open
    found = {}
    for name in ("drawbridge.db", "drawbridge.db-wal", "drawbridge.db-shm"):
        path = server.data_dir / name
        if path.exists():
            found[name] = oct(stat.S_IMODE(path.stat().st_mode))
    assert set(found) == {"drawbridge.db", "drawbridge.db-wal", "drawbridge.db-shm"}, found
    assert set(found.values()) == {"0o600"}, found
