#!/usr/bin/python3
"""FTP throughput and idle cost: drawbridge beside ProFTPD, same client (curl), one run.

Both servers serve a root on tmpfs and run on loopback. curl moves SIZE_MIB up and down, plain
and over TLS (explicit FTPS with PROT P, data connections resuming the control's session), as
one stream and as 8 parallel streams. Rounds alternate between the servers; the median ratio is
printed (>1 means drawbridge is faster), with each server's CPU-seconds per GiB. Then 1,000
logged-in FTPS control connections sit idle and each server's added memory (PSS) per
connection is printed. Targets (issue 4): plain >= 1.0, TLS >= 1.2, <= 100 KiB per connection.
Last, returning logins: 10 clients in parallel, each opening a new FTPES connection per
transfer (connect, AUTH TLS, USER/PASS, PROT P, RETR of 4 KiB, QUIT) for LOGIN_SECONDS, as FTP
clients that reconnect per file do; logins per second (target >= 50 at the production cost).
Usage: ftp_bench.py BUILD_DIR  (env ROUNDS, default 5; SIZE_MIB, default 1024; IDLE, default 1000;
LOGIN_SECONDS, default 5)
"""
import ftplib
import os
import pathlib
import re
import resource
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import ITERATIONS, cpu_seconds, free_port, user_root, wait_for

ROUNDS = int(os.environ.get("ROUNDS", "5"))
LOGIN_SECONDS = int(os.environ.get("LOGIN_SECONDS", "5"))
SIZE_MIB = int(os.environ.get("SIZE_MIB", "1024"))
IDLE = int(os.environ.get("IDLE", "1000"))
PASSWORD = "Bench-Horse-9-Battery"
NOBODY = 65534  # ProFTPD serves its throwaway user as nobody




def pss_kib(pid):
    try:
        text = pathlib.Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    return int(re.search(r"^Pss:\s+(\d+) kB", text, re.M).group(1))


def children(pid):
    out = []
    for p in pathlib.Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if (p / "stat").read_text().rsplit(")", 1)[1].split()[1] == str(pid):
                    out.append(int(p.name))
            except OSError:
                pass
    return out






def start_drawbridge(build, work):
    data = work / "db_data"
    cfg = work / "drawbridge.toml"
    cfg.write_text(f'[security]\npbkdf2_iterations = {ITERATIONS}\n[http]\nport = -1\n'
                   '[sftp]\naddress = "127.0.0.1"\nport = 0\n'
                   '[ftp]\naddress = "127.0.0.1"\nport = 0\nimplicit_port = -1\n')
    binary = str(pathlib.Path(build).resolve() / "drawbridge")
    flags = ["--data-dir", str(data), "--config", str(cfg)]
    subprocess.run([binary, "init", *flags], check=True, capture_output=True)
    subprocess.run([binary, "user", "add", "bench", "--password-stdin", *flags],
                   input=PASSWORD + "\n", text=True, check=True, capture_output=True)
    subprocess.run([binary, "site", "set", "ssl_required=false", *flags], check=True,
                   capture_output=True)
    log = work / "serve.log"
    proc = subprocess.Popen([binary, "serve", *flags], stdout=open(log, "w"),
                            stderr=subprocess.STDOUT)
    port = int(wait_for(log, r"(?<!s)ftp listening on 127\.0\.0\.1:(\d+)").group(1))
    root = user_root(binary, flags, "bench")
    root.mkdir(parents=True, exist_ok=True)
    return proc, port, root, data / "tls"


def start_proftpd(work, tls_dir):
    root = work / "proftpd_root"
    root.mkdir()
    os.chown(root, NOBODY, NOBODY)
    crypted = subprocess.run(["openssl", "passwd", "-6", PASSWORD], check=True,
                             capture_output=True, text=True).stdout.strip()
    (work / "ftpd.passwd").write_text(f"bench:{crypted}:{NOBODY}:{NOBODY}::{root}:/bin/false\n")
    (work / "ftpd.group").write_text(f"nogroup:x:{NOBODY}:\n")
    for f in ("ftpd.passwd", "ftpd.group"):
        (work / f).chmod(0o600)  # ProFTPD refuses a world-readable password file
    port = free_port()
    conf = work / "proftpd.conf"
    conf.write_text(f"""ServerName "bench"
ServerType standalone
DefaultAddress 127.0.0.1
SocketBindTight on
Port {port}
UseIPv6 off
User nobody
Group nogroup
PidFile {work}/proftpd.pid
ScoreboardFile {work}/proftpd.scoreboard
DelayTable none
WtmpLog off
TransferLog none
SystemLog {work}/proftpd.log
UseReverseDNS off
MaxInstances {IDLE + 100}
TimeoutIdle 600
RequireValidShell off
AuthOrder mod_auth_file.c
AuthUserFile {work}/ftpd.passwd
AuthGroupFile {work}/ftpd.group
DefaultRoot ~
AllowOverwrite on
ModulePath /usr/lib/proftpd
LoadModule mod_tls.c
<IfModule mod_tls.c>
  TLSEngine on
  TLSLog {work}/tls.log
  TLSProtocol TLSv1.2 TLSv1.3
  TLSECCertificateFile {tls_dir}/server.crt
  TLSECCertificateKeyFile {tls_dir}/server.key
  TLSRequired off
  TLSVerifyClient off
</IfModule>
""")
    proc = subprocess.Popen(["/usr/sbin/proftpd", "-n", "-q", "-c", str(conf)],
                            stdout=open(work / "proftpd.out", "w"), stderr=subprocess.STDOUT)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    return proc, port, root


def curl(port, tls, args):
    base = ["curl", "-s", "-S", "--max-time", "600", "-u", f"bench:{PASSWORD}"]
    if tls:
        base += ["--ssl-reqd", "-k"]
    return subprocess.Popen([*base, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)


def run_case(server, tls, direction, streams, local):
    proc, port, root = server
    start_cpu, start = cpu_seconds(proc.pid), time.monotonic()
    jobs = []
    for i in range(streams):
        if direction == "up":
            jobs.append(curl(port, tls, ["-T", str(local / f"part{i}"),
                                         f"ftp://127.0.0.1:{port}/up{i}"]))
        else:
            jobs.append(curl(port, tls, [f"ftp://127.0.0.1:{port}/part{i}", "-o", "/dev/null"]))
    for j in jobs:
        if j.wait() != 0:
            raise RuntimeError(f"{direction} on port {port}: {j.stderr.read()}")
    elapsed = time.monotonic() - start
    time.sleep(0.3)  # ProFTPD's session processes count once the listener has reaped them
    cpu = cpu_seconds(proc.pid) - start_cpu
    for i in range(streams):
        (root / f"up{i}").unlink(missing_ok=True)
    gib = SIZE_MIB / 1024
    return gib / elapsed, cpu / gib


def idle_cost(name, server):
    """Added PSS per logged-in, idle FTPS control connection (KiB)."""
    proc, port, _ = server
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE

    def total():
        return pss_kib(proc.pid) + sum(pss_kib(c) for c in children(proc.pid))

    before = total()
    conns = []
    try:
        for _ in range(IDLE):
            f = ftplib.FTP_TLS(context=ctx, timeout=30)
            f.connect("127.0.0.1", port)
            f.auth()
            f.login("bench", PASSWORD)
            f.prot_p()
            conns.append(f)
        time.sleep(1)
        after = total()
    finally:
        for f in conns:
            f.close()
    return (after - before) / IDLE


class ReusingFTP(ftplib.FTP_TLS):
    """Data connections resume the control connection's TLS session, as both servers require."""

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host,
                                            session=self.sock.session)
        return conn, size


def returning_logins(server, clients=10):
    """Logins per second of one user reconnecting for each 4 KiB download, and the server's
    CPU-seconds per login."""
    import threading
    proc, port, _ = server
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    done, errors, lock = [0], [], threading.Lock()
    stop = time.monotonic() + LOGIN_SECONDS

    def client():
        while time.monotonic() < stop:
            try:
                f = ReusingFTP(context=ctx, timeout=30)
                f.connect("127.0.0.1", port)
                f.auth()
                f.login("bench", PASSWORD)
                f.prot_p()
                f.retrbinary("RETR small.bin", lambda _: None)
                f.quit()
            except (OSError, ftplib.Error) as e:
                errors.append(str(e))
                return
            with lock:
                done[0] += 1

    start_cpu, start = cpu_seconds(proc.pid), time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    time.sleep(0.3)
    if errors:
        raise RuntimeError(f"returning logins on port {port}: {errors[0]}")
    return done[0] / elapsed, (cpu_seconds(proc.pid) - start_cpu) / max(done[0], 1)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * IDLE + 1024)), hard))
    work = pathlib.Path(tempfile.mkdtemp(prefix="drawbridge-ftp-bench-", dir="/dev/shm"))
    work.chmod(0o755)  # ProFTPD's sessions run as nobody inside it
    servers = {}
    try:
        *db, tls_dir = start_drawbridge(build, work)
        servers["drawbridge"] = tuple(db)
        servers["proftpd"] = start_proftpd(work, tls_dir)
        local = work / "local"
        local.mkdir()
        for streams in (1, 8):
            for i in range(streams):
                part = local / f"part{i}"
                with open(part, "wb") as f:
                    for _ in range(SIZE_MIB // streams):
                        f.write(os.urandom(2**20))
                for name, (_, _, root) in servers.items():
                    shutil.copy(part, root / f"part{i}")
                    if name == "proftpd":
                        os.chown(root / f"part{i}", NOBODY, NOBODY)
            print(f"{'case':36} {'drawbridge':>12} {'proftpd':>12} {'ratio':>6} "
                  f"{'cpu-s/GiB db':>13} {'cpu-s/GiB pro':>14}")
            for tls in (False, True):
                for direction in ("down", "up"):
                    rates = {"drawbridge": [], "proftpd": []}
                    cpus = {"drawbridge": [], "proftpd": []}
                    for r in range(ROUNDS):
                        order = ["drawbridge", "proftpd"] if r % 2 == 0 else ["proftpd", "drawbridge"]
                        for name in order:
                            rate, cpu = run_case(servers[name], tls, direction, streams, local)
                            rates[name].append(rate)
                            cpus[name].append(cpu)
                    ratios = [d / p for d, p in zip(rates["drawbridge"], rates["proftpd"])]
                    label = f"{'tls' if tls else 'plain'} {direction} x{streams} ({SIZE_MIB} MiB)"
                    print(f"{label:36} {statistics.median(rates['drawbridge']):8.2f} GiB/s"
                          f" {statistics.median(rates['proftpd']):6.2f} GiB/s"
                          f" {statistics.median(ratios):6.2f}"
                          f" {statistics.median(cpus['drawbridge']):13.2f}"
                          f" {statistics.median(cpus['proftpd']):14.2f}", flush=True)
        for name, (_, _, root) in servers.items():
            (root / "small.bin").write_bytes(os.urandom(4096))
            if name == "proftpd":
                os.chown(root / "small.bin", NOBODY, NOBODY)
        rates = {"drawbridge": [], "proftpd": []}
        cpus = {"drawbridge": [], "proftpd": []}
        for r in range(ROUNDS):
            for name in (["drawbridge", "proftpd"] if r % 2 == 0 else ["proftpd", "drawbridge"]):
                rate, cpu = returning_logins(servers[name])
                rates[name].append(rate)
                cpus[name].append(cpu)
        ratios = [d / p for d, p in zip(rates["drawbridge"], rates["proftpd"])]
        print(f"\nreturning user, new FTPES connection per 4 KiB download, 10 in parallel "
              f"(PBKDF2 {ITERATIONS} iterations):")
        print(f"  drawbridge {statistics.median(rates['drawbridge']):7.1f} logins/s"
              f" ({statistics.median(cpus['drawbridge']) * 1000:.1f} ms CPU each)"
              f"  proftpd {statistics.median(rates['proftpd']):7.1f} logins/s"
              f" ({statistics.median(cpus['proftpd']) * 1000:.1f} ms CPU each)"
              f"  ratio {statistics.median(ratios):.2f}  (target >= 50 logins/s)", flush=True)
        print(f"\n{IDLE} idle logged-in FTPS control connections, added PSS per connection:")
        for name, server in servers.items():
            print(f"  {name:12} {idle_cost(name, server):8.1f} KiB", flush=True)
    finally:
        for proc, *_ in servers.values():
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
