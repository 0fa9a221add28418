#!/usr/bin/python3
"""SFTP sessions: memory per idle session, and the time to log in many users at once.

(a) Opens SESSIONS (default 2,000) authenticated SFTP sessions (SSH key, SFTP subsystem
    initialised) to one `drawbridge serve` and keeps them all open; prints the server's resident
    memory (VmRSS) before and after, and the growth per session (target: <= 200 KiB).
(b) Logs in LOGINS (default 100) distinct users by password, all at once, with the production
    PBKDF2 cost; prints the wall time and the median and worst latency of one login (TCP connect,
    key exchange and authentication).
The clients are paramiko transports, one thread each, spread over CLIENT_PROCS processes so that
the clients' own CPU (Python) does not decide the figures. Usage: sftp_sessions_bench.py BUILD_DIR
"""
import multiprocessing
import os
import pathlib
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import paramiko

SESSIONS = int(os.environ.get("SESSIONS", "2000"))
LOGINS = int(os.environ.get("LOGINS", "100"))
CLIENT_PROCS = int(os.environ.get("CLIENT_PROCS", "4"))
PASSWORD = "Bench-Horse-9-Battery"


class IdleTransport(paramiko.Transport):
    # paramiko polls every 0.1 s per transport; 2,000 idle ones would keep the clients busy.
    _active_check_timeout = 2.0


def raise_fd_limit():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def vm_kib(pid, field):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def start_server(build, work):
    binary = str(pathlib.Path(build).resolve() / "drawbridge")
    data, cfg = work / "data", work / "drawbridge.toml"
    # Idle sessions must outlive the time it takes to open all of them.
    cfg.write_text('[http]\nport = -1\n[sftp]\naddress = "127.0.0.1"\nport = 0\n'
                   'idle_timeout = 3600\n')
    base = ["--data-dir", str(data), "--config", str(cfg)]
    log_path = work / "serve.log"
    proc = subprocess.Popen([binary, "serve", *base], stdout=open(log_path, "w"),
                            stderr=subprocess.STDOUT, preexec_fn=raise_fd_limit)
    deadline = time.time() + 60
    while time.time() < deadline:
        m = re.search(r"sftp listening on 127\.0\.0\.1:(\d+)", log_path.read_text())
        if m:
            return proc, int(m.group(1)), lambda *a, **kw: subprocess.run(
                [binary, *a, *base], check=True, capture_output=True, text=True, **kw)
        time.sleep(0.1)
    raise RuntimeError("drawbridge serve did not start:\n" + log_path.read_text())


def open_idle(args):
    """One client process: opens `count` sessions, reports, and holds them until told to stop."""
    port, key_path, count, ready, release = args
    key = paramiko.Ed25519Key.from_private_key_file(key_path)
    held, failures = [], 0
    lock = threading.Lock()

    def one():
        nonlocal failures
        try:
            t = IdleTransport(("127.0.0.1", port))
            t.connect(username="idle", pkey=key)
            sftp = paramiko.SFTPClient.from_transport(t)
            with lock:
                held.append((t, sftp))
        except Exception:  # counted and reported; the bench goes on
            with lock:
                failures += 1

    # Bounded concurrency: a burst of thousands of handshakes would only queue in the backlog.
    pending = list(range(count))
    while pending:
        batch = [threading.Thread(target=one) for _ in pending[:50]]
        del pending[:50]
        for th in batch:
            th.start()
        for th in batch:
            th.join()
    ready.put((len(held), failures))
    release.wait()
    for t, _ in held:
        t.close()


def bench_idle_sessions(proc, port, key_path):
    rss_before = vm_kib(proc.pid, "VmRSS")
    manager = multiprocessing.Manager()
    ready, release = manager.Queue(), manager.Event()
    per = [SESSIONS // CLIENT_PROCS + (i < SESSIONS % CLIENT_PROCS) for i in range(CLIENT_PROCS)]
    start = time.monotonic()
    workers = [multiprocessing.Process(target=open_idle,
                                       args=((port, str(key_path), n, ready, release),))
               for n in per]
    for w in workers:
        w.start()
    opened = failed = 0
    for _ in workers:
        o, f = ready.get(timeout=1800)
        opened += o
        failed += f
    elapsed = time.monotonic() - start
    time.sleep(2)  # let the server settle: every session has finished its setup
    rss_after = vm_kib(proc.pid, "VmRSS")
    threads = vm_kib(proc.pid, "Threads")  # a count, not KiB, but the same line format
    per_session = (rss_after - rss_before) / max(opened, 1)
    print(f"idle sessions open:      {opened} (failed {failed}) in {elapsed:.1f} s")
    print(f"server VmRSS before:     {rss_before / 1024:.1f} MiB")
    print(f"server VmRSS with them:  {rss_after / 1024:.1f} MiB  ({threads} threads)")
    print(f"per idle session:        {per_session:.0f} KiB  (target <= 200 KiB)", flush=True)
    release.set()
    for w in workers:
        w.join(timeout=120)
    manager.shutdown()


def bench_parallel_logins(port, users):
    barrier = threading.Barrier(len(users))
    latencies, failures = [], []
    lock = threading.Lock()

    def login(user):
        barrier.wait()
        start = time.monotonic()
        try:
            t = paramiko.Transport(("127.0.0.1", port))
            t.connect(username=user, password=PASSWORD)
            took = time.monotonic() - start
            t.close()
            with lock:
                latencies.append((start, took))
        except Exception as e:
            with lock:
                failures.append(f"{user}: {e!r}")

    threads = [threading.Thread(target=login, args=(u,)) for u in users]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if failures:
        print(f"failed logins: {len(failures)}; first: {failures[0]}")
    if not latencies:
        return
    wall = max(s + d for s, d in latencies) - min(s for s, _ in latencies)
    each = [d for _, d in latencies]
    print(f"{len(latencies)} parallel password logins: wall {wall:.2f} s, "
          f"median {statistics.median(each) * 1000:.0f} ms, worst {max(each) * 1000:.0f} ms",
          flush=True)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    hard = raise_fd_limit()
    if hard < SESSIONS + 100:
        print(f"note: the open-file limit ({hard}) is below {SESSIONS} sessions")
    work = pathlib.Path(tempfile.mkdtemp(prefix="drawbridge-sessions-bench-", dir="/dev/shm"))
    proc = None
    try:
        proc, port, cli = start_server(build, work)
        key = work / "id_ed25519"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        cli("user", "add", "idle", "--method", "none")
        cli("sshkey", "add", "idle", "--file", f"{key}.pub")
        # The first login creates the user's root; the baseline is taken after it.
        t = paramiko.Transport(("127.0.0.1", port))
        t.connect(username="idle", pkey=paramiko.Ed25519Key.from_private_key_file(str(key)))
        paramiko.SFTPClient.from_transport(t).listdir("/")
        t.close()
        time.sleep(0.5)
        if SESSIONS > 0:
            print(f"== {SESSIONS} idle authenticated SFTP sessions (target: <= 200 KiB each)")
            bench_idle_sessions(proc, port, key)

        if LOGINS <= 0:
            return
        print(f"== {LOGINS} users logging in by password at once (production PBKDF2 cost)")
        users = [f"user{i:03}" for i in range(LOGINS)]
        start = time.monotonic()
        for chunk in range(0, LOGINS, 4):  # each `user add` hashes once; a few at a time
            adds = [subprocess.Popen(cli_args(build, work, "user", "add", u, "--password-stdin"),
                                     stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, text=True)
                    for u in users[chunk:chunk + 4]]
            for a in adds:
                a.communicate(PASSWORD + "\n")
                if a.returncode != 0:
                    raise RuntimeError("user add failed")
        print(f"({LOGINS} users created in {time.monotonic() - start:.1f} s)")
        bench_parallel_logins(port, users)
    finally:
        if proc:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)


def cli_args(build, work, *args):
    binary = str(pathlib.Path(build).resolve() / "drawbridge")
    return [binary, *args, "--data-dir", str(work / "data"), "--config",
            str(work / "drawbridge.toml")]


if __name__ == "__main__":
    main()
