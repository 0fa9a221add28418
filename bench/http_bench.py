#!/usr/bin/python3
"""WebDAV beside nginx's WebDAV modules (Debian nginx-extras: dav and dav_ext), one run.

Both serve a root on tmpfs over plain HTTP on loopback (TLS would measure OpenSSL twice), nginx
unprivileged-style from a private config. Measured, rounds alternating between the servers:
  - a SIZE_MIB (default 1024) MiB PUT and GET, one stream each, with curl;
  - `wrk` GETs of a 4 KiB file with 64 connections for WRK_SECONDS (default 5);
  - PROPFIND Depth 1 of a 10,000-entry folder;
  - drawbridge's peak RSS during the uploads (memory stays flat whatever the size).
Ratios are medians, >1 means drawbridge is faster. drawbridge authenticates every request
(Basic, one login per connection); nginx has no authentication at all.
Usage: http_bench.py BUILD_DIR  (env ROUNDS, default 5)
"""
import os
import pathlib
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from benchlib import ITERATIONS, free_port, user_root

ROUNDS = int(os.environ.get("ROUNDS", "5"))
SIZE_MIB = int(os.environ.get("SIZE_MIB", "1024"))
WRK_SECONDS = int(os.environ.get("WRK_SECONDS", "5"))
PASSWORD = "Bench-Horse-9-Battery"




def start_nginx(work):
    root = work / "nginx_root"
    (root / "dav").mkdir(parents=True)
    port = free_port()
    conf = work / "nginx.conf"
    conf.write_text(f"""load_module /usr/lib/nginx/modules/ngx_http_dav_ext_module.so;
daemon off;
worker_processes auto;
pid {work}/nginx.pid;
error_log {work}/nginx_error.log;
user root;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work}/nginx_body;
    sendfile on;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location /dav/ {{
            dav_methods PUT DELETE MKCOL COPY MOVE;
            dav_ext_methods PROPFIND OPTIONS;
            create_full_put_path on;
            client_max_body_size 0;
        }}
    }}
}}
""")
    proc = subprocess.Popen(["/usr/sbin/nginx", "-c", str(conf), "-p", str(work)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    return proc, port, root / "dav", None


def start_drawbridge(build, work):
    data = work / "db_data"
    cfg = work / "drawbridge.toml"
    cfg.write_text(f'[security]\npbkdf2_iterations = {ITERATIONS}\n[sftp]\nport = 0\naddress = "127.0.0.1"\n'
                   '[http]\naddress = "127.0.0.1"\nport = -1\nplain_port = 0\n'
                   '[ftp]\naddress = "127.0.0.1"\nport = 0\nimplicit_port = -1\n')
    binary = str(pathlib.Path(build).resolve() / "drawbridge")
    base = ["--data-dir", str(data), "--config", str(cfg)]
    subprocess.run([binary, "init", *base], check=True, capture_output=True)
    subprocess.run([binary, "user", "add", "bench", "--password-stdin", *base],
                   input=PASSWORD + "\n", text=True, check=True, capture_output=True)
    # Plain HTTP on loopback, as nginx here: the site must allow logins without TLS.
    subprocess.run([binary, "site", "set", "ssl_required=false", *base], check=True,
                   capture_output=True)
    log = open(work / "serve.log", "w")
    proc = subprocess.Popen([binary, "serve", *base], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        m = re.search(r"http listening on 127\.0\.0\.1:(\d+)", (work / "serve.log").read_text())
        if m and "ready" in (work / "serve.log").read_text():
            root = user_root(binary, base, "bench")
            root.mkdir(parents=True, exist_ok=True)
            return proc, int(m.group(1)), root, ("bench", PASSWORD)
        time.sleep(0.1)
    raise SystemExit("drawbridge did not start:\n" + (work / "serve.log").read_text())


def curl(port, method, path, auth, *args):
    cmd = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "-X", method,
           f"http://127.0.0.1:{port}/dav/{path}", *args]
    if auth:
        cmd += ["-u", f"{auth[0]}:{auth[1]}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()
    if not out[0].startswith("2"):
        raise SystemExit(f"{method} {path}: HTTP {out[0]}")
    return float(out[1])


class PeakRss:
    def __init__(self, pid):
        self.pid, self.peak, self.done = pid, 0, False
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def run(self):
        while not self.done:
            for line in pathlib.Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    self.peak = max(self.peak, int(line.split()[1]))
            time.sleep(0.05)

    def stop(self):
        self.done = True
        self.thread.join()
        return self.peak


def wrk(port, auth):
    import base64
    headers = []
    if auth:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        headers = ["-H", f"Authorization: Basic {token}"]
    out = subprocess.run(["wrk", "-t", "2", "-c", "64", "-d", f"{WRK_SECONDS}s", *headers,
                          f"http://127.0.0.1:{port}/dav/small.bin"],
                         capture_output=True, text=True, check=True).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    with tempfile.TemporaryDirectory(dir="/dev/shm") as tmp:
        work = pathlib.Path(tmp)
        (work / "ng").mkdir()
        (work / "db").mkdir()
        big = work / "big.bin"
        with open(big, "wb") as f:
            for _ in range(SIZE_MIB):
                f.write(os.urandom(1 << 20))
        servers = {"nginx": start_nginx(work / "ng"), "drawbridge": start_drawbridge(build, work / "db")}
        results = {name: {"put": [], "get": [], "small": [], "propfind": []} for name in servers}
        peak = 0
        try:
            for name, (_, port, root, auth) in servers.items():
                (root / "small.bin").write_bytes(os.urandom(4096))
                (root / "many").mkdir()
                for i in range(10000):
                    (root / "many" / f"file-{i:05d}.txt").write_bytes(b"x")
            for _ in range(ROUNDS):
                for name, (proc, port, root, auth) in servers.items():
                    rss = PeakRss(proc.pid) if name == "drawbridge" else None
                    results[name]["put"].append(SIZE_MIB / curl(port, "PUT", "big.bin", auth,
                                                                "-T", str(big)))
                    if rss:
                        peak = max(peak, rss.stop())
                    results[name]["get"].append(SIZE_MIB / curl(port, "GET", "big.bin", auth))
                    results[name]["propfind"].append(
                        curl(port, "PROPFIND", "many/", auth, "-H", "Depth: 1") * 1000)
                    results[name]["small"].append(wrk(port, auth))
        finally:
            for proc, *_ in servers.values():
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=20)
        med = {n: {k: statistics.median(v) for k, v in r.items()} for n, r in results.items()}
        d, n = med["drawbridge"], med["nginx"]
        print(f"PUT {SIZE_MIB} MiB      drawbridge {d['put']:8.0f} MiB/s  nginx {n['put']:8.0f} MiB/s"
              f"  ratio {d['put'] / n['put']:.2f}  (target >= 1.0)")
        print(f"GET {SIZE_MIB} MiB      drawbridge {d['get']:8.0f} MiB/s  nginx {n['get']:8.0f} MiB/s"
              f"  ratio {d['get'] / n['get']:.2f}  (target >= 1.0)")
        print(f"GET 4 KiB x64 conns drawbridge {d['small']:8.0f} req/s  nginx {n['small']:8.0f} req/s"
              f"  ratio {d['small'] / n['small']:.2f}  (target >= 0.8)")
        print(f"PROPFIND 10,000     drawbridge {d['propfind']:8.0f} ms     nginx {n['propfind']:8.0f} ms"
              f"  (target < 300 ms)")
        print(f"peak RSS of drawbridge during {SIZE_MIB} MiB uploads: {peak / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
