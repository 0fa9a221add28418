"""Group commit of the action log (docs/action-log.md#group-commit): parallel WebDAV GETs on
keep-alive connections, the server killed with SIGKILL in the middle; every request that was
answered has its row in the log after the crash."""
import base64
import http.client
import signal
import ssl
import threading
import time

GOOD = "Correct-Horse-9-Battery"


def test_every_answered_request_is_logged_after_a_kill(server):
    server.add_user("alice")
    root = server.files("alice")
    root.mkdir(parents=True, exist_ok=True)
    for i in range(50):
        (root / f"f{i}.txt").write_bytes(b"x" * 4096)
    auth = "Basic " + base64.b64encode(f"alice:{GOOD}".encode()).decode()
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    answered = []  # (connection, i) of every 200
    lock = threading.Lock()
    stop = time.time() + 20  # bounded

    def client(n):
        c = http.client.HTTPSConnection("127.0.0.1", server.https_port, context=ctx, timeout=10)
        i = 0
        while time.time() < stop and i < 100:  # at most 800 rows: one page of the log
            path = f"/dav/f{(n * 7 + i) % 50}.txt"
            try:
                c.request("GET", path + f"?c={n}&i={i}", headers={"Authorization": auth})
                r = c.getresponse()
                r.read()
            except (OSError, http.client.HTTPException):
                return  # the server is gone
            if r.status == 200:
                with lock:
                    answered.append(path)
            i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    deadline = time.time() + 15
    while time.time() < deadline and len(answered) < 300:  # then kill it mid-run
        time.sleep(0.01)
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(timeout=10)
    for t in threads:
        t.join(timeout=15)
    assert len(answered) >= 300, len(answered)
    # Read the log with the CLI, as an administrator would after the crash.
    logged = server.log("--action", "read", "--username", "alice", "--limit", "1000")
    counts = {}
    for e in logged:
        counts[e["path"]] = counts.get(e["path"], 0) + 1
    wanted = {}
    for p in answered:
        p = p[len("/dav"):]
        wanted[p] = wanted.get(p, 0) + 1
    missing = {p: n - counts.get(p, 0) for p, n in wanted.items() if counts.get(p, 0) < n}
    assert not missing, missing
