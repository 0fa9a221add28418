"""The user portal's file operations in Debian's Chromium against the real binary
(docs/web-ui.md#files): a 50 MiB upload whose progress bar moves, then its byte-exact download;
many files, a folder and a drop, with a broken connection retried; new folder, rename, move,
copy, delete and sort; a folder of 10,000 entries listing its first page quickly."""
import hashlib
import os

import pytest

from browser_fixture import browser  # noqa: F401

GOOD = "Correct-Horse-9-Battery"


@pytest.fixture
def site(server):
    server.add_user("alice")
    server.files("alice").mkdir(parents=True, exist_ok=True)
    return server


def url(site):
    return f"https://127.0.0.1:{site.https_port}"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def test_a_50_mib_upload_shows_its_progress_and_downloads_byte_exact(site, browser, tmp_path):
    big = tmp_path / "video 50M.bin"
    big.write_bytes(os.urandom(50 * 1024 * 1024))
    got = browser("upload", url=url(site), username="alice", password=GOOD, file=str(big))
    assert got["console_errors"] == []
    middle = [v for v in got["seen"] if 0 < v < 100]
    assert middle, got["seen"]  # the bar went through values between empty and full
    assert got["seen"] == sorted(got["seen"]) and got["seen"][-1] == 100
    assert got["size"] == "50 MiB"
    assert got["summary"].startswith("1 of 1 uploaded")
    stored = site.files("alice") / "video 50M.bin"
    assert sha256(stored) == sha256(big) == sha256(got["download"])
    os.remove(got["download"])  # the screenshots' folder keeps pictures, not 50 MiB
    assert site.log("--username", "alice", "--action", "create")[0]["interface"] == "web"


def test_many_files_a_folder_and_a_drop_with_a_retry(site, browser, tmp_path):
    picked = []
    for i in range(3):
        f = tmp_path / f"report-{i}.csv"
        f.write_text(f"n,{i}\n" * (i + 1) * 100)
        picked.append(str(f))
    folder = tmp_path / "Photos"
    (folder / "2026").mkdir(parents=True)
    (folder / "a.jpg").write_bytes(b"\xff\xd8jpeg-a")
    (folder / "2026" / "b.jpg").write_bytes(b"\xff\xd8jpeg-b")
    got = browser("uploads", url=url(site), username="alice", password=GOOD, files=picked,
                  folder=str(folder), dropped=[["dropped.txt", "from a drop\n"]],
                  broken="report-1.csv")
    assert got["console_errors"] == [] or all("ERR_CONNECTION_RESET" in e or "Failed to load" in e
                                              for e in got["console_errors"])
    assert "connection" in got["error"].lower()
    assert all(state == "upload done" for _, state in got["states"]), got["states"]
    assert got["summary"].startswith("6 of 6 uploaded")
    root = site.files("alice")
    for f in picked:
        assert (root / os.path.basename(f)).read_bytes() == open(f, "rb").read()
    assert (root / "Photos" / "a.jpg").read_bytes() == b"\xff\xd8jpeg-a"
    assert (root / "Photos" / "2026" / "b.jpg").read_bytes() == b"\xff\xd8jpeg-b"
    assert (root / "dropped.txt").read_text() == "from a drop\n"
    assert got["names"][0] == "Photos"  # folders first


def test_new_folder_rename_move_copy_delete_and_sort(site, browser):
    root = site.files("alice")
    (root / "notes.txt").write_text("remember\n")
    (root / "big.bin").write_bytes(b"b" * 300_000)
    (root / "old.log").write_bytes(b"l" * 2000)
    got = browser("fileops", url=url(site), username="alice", password=GOOD)
    assert got["console_errors"] == [] or all("412" in e for e in got["console_errors"])
    assert got["after_mkdir"] == ["Archive", "big.bin", "notes.txt", "old.log"]
    assert got["after_rename"] == ["Archive", "big.bin", "memo.txt", "old.log"]
    assert "destination exists" in got["taken"]
    assert got["after_move"] == ["Archive", "big.bin", "old.log"]
    assert "Delete old.log?" in got["confirm"] and "cannot be undone" in got["confirm"]
    assert got["after_delete"] == ["Archive", "big.bin"]
    assert got["by_size_desc"] == ["Archive", "big.bin"]
    assert sorted(got["archive"]) == ["big.bin", "memo.txt"]
    assert (root / "Archive" / "memo.txt").read_text() == "remember\n"
    assert (root / "Archive" / "big.bin").stat().st_size == 300_000
    assert (root / "big.bin").exists() and not (root / "old.log").exists()
    assert not (root / "notes.txt").exists()


def test_a_folder_of_10000_entries_lists_its_first_page_quickly(site, browser):
    folder = site.files("alice") / "many"
    folder.mkdir()
    for i in range(10_000):
        (folder / f"file-{i:05d}.txt").write_bytes(b"")
    got = browser("bigfolder", url=url(site), username="alice", password=GOOD, folder="many",
                  first="file-00000.txt")
    assert got["console_errors"] == []
    assert got["first"] == 200 and "more follow" in got["count"]
    assert got["first_ms"] < 3000, got["first_ms"]
    assert got["second"] == 400
    assert got["names"] == [f"file-{i:05d}.txt" for i in range(400)]
