#!/usr/bin/python3
"""SFTP throughput: drawbridge beside OpenSSH's sshd (internal-sftp), same client, one run.

Both servers serve a root on tmpfs and run on loopback; the same OpenSSH `sftp` client moves
1 GiB up and down, as one stream and as 8 parallel streams, with aes128-gcm and
chacha20-poly1305. Rounds alternate between the servers; the median ratio is printed
(>1 means drawbridge is faster), with each server's CPU-seconds per GiB, the steadier figure on
a shared machine. Usage: sftp_bench.py BUILD_DIR  (env ROUNDS, default 5; SIZE_MIB, default 1024)
"""
import os
import pathlib
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import cpu_seconds, free_port, user_root

ROUNDS = int(os.environ.get("ROUNDS", "5"))
SIZE_MIB = int(os.environ.get("SIZE_MIB", "1024"))
CIPHERS = ["aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com"]






def start_sshd(work, key):
    host_key = work / "sshd_host_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)], check=True)
    root = work / "sshd_root"
    root.mkdir()
    auth = work / "authorized_keys"
    shutil.copy(f"{key}.pub", auth)
    port = free_port()
    config = work / "sshd_config"
    config.write_text(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {host_key}
PidFile {work}/sshd.pid
AuthorizedKeysFile {auth}
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin yes
Subsystem sftp internal-sftp -d {root}
""")
    os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege-separation directory
    proc = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", str(config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    return proc, port, "root", root


def start_drawbridge(build, work, key):
    data = work / "db_data"
    cfg = work / "drawbridge.toml"
    cfg.write_text('[http]\nport = -1\n[sftp]\naddress = "127.0.0.1"\nport = 0\n')
    binary = str(pathlib.Path(build).resolve() / "drawbridge")
    base = [binary, "--data-dir", str(data), "--config", str(cfg)]
    log = open(work / "serve.log", "w")
    proc = subprocess.Popen([binary, "serve", "--data-dir", str(data), "--config", str(cfg)],
                            stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        m = re.search(r"sftp listening on 127\.0\.0\.1:(\d+)", (work / "serve.log").read_text())
        if m:
            break
        time.sleep(0.1)
    subprocess.run([*base[:1], "user", "add", "bench", "--method", "none", *base[1:]],
                   check=True, capture_output=True)
    subprocess.run([*base[:1], "sshkey", "add", "bench", "--file", f"{key}.pub", *base[1:]],
                   check=True, capture_output=True)
    return proc, int(m.group(1)), "bench", user_root(binary, base[1:], "bench")


def transfer(port, user, key, cipher, commands):
    subprocess.run(["sftp", "-q", "-b", "-", "-P", str(port), "-i", str(key), "-c", cipher,
                    "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                    "-o", "LogLevel=ERROR", f"{user}@127.0.0.1"],
                   input=commands, text=True, check=True, capture_output=True)


def run_case(server, key, cipher, direction, streams, local):
    proc, port, user, root = server
    size = SIZE_MIB // streams
    jobs = []
    start_cpu, start = cpu_seconds(proc.pid), time.monotonic()
    for i in range(streams):
        src = local / f"part{i}"
        if direction == "up":
            cmd = f"put {src} up{i}\n"  # relative: both servers start in the served folder
        else:
            cmd = f"get part{i} {local}/down{i}\n"
        jobs.append(subprocess.Popen(
            ["sftp", "-q", "-b", "-", "-P", str(port), "-i", str(key), "-c", cipher,
             "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
             "-o", "LogLevel=ERROR", f"{user}@127.0.0.1"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
        jobs[-1].stdin.write(cmd)
        jobs[-1].stdin.close()
    for j in jobs:
        if j.wait() != 0:
            raise RuntimeError(f"{direction} to {user}@{port}: {j.stderr.read()}")
    elapsed = time.monotonic() - start
    time.sleep(0.5)  # sshd's per-connection processes count once the listener has reaped them
    cpu = cpu_seconds(proc.pid) - start_cpu
    for i in range(streams):
        (root / f"up{i}").unlink(missing_ok=True)
        (local / f"down{i}").unlink(missing_ok=True)
    gib = size * streams / 1024
    return gib / elapsed, cpu / gib


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    work = pathlib.Path(tempfile.mkdtemp(prefix="drawbridge-sftp-bench-", dir="/dev/shm"))
    servers = {}
    try:
        key = work / "id_ed25519"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        servers["openssh"] = start_sshd(work, key)
        servers["drawbridge"] = start_drawbridge(build, work, key)
        local = work / "local"
        local.mkdir()
        for streams in (1, 8):
            for i in range(streams):
                part = local / f"part{i}"
                if not part.exists() or part.stat().st_size != SIZE_MIB // streams * 2**20:
                    with open(part, "wb") as f:
                        for _ in range(SIZE_MIB // streams):
                            f.write(os.urandom(2**20))
                for name, (_, _, _, root) in servers.items():
                    root.mkdir(parents=True, exist_ok=True)  # drawbridge makes it at first login
                    shutil.copy(part, root / f"part{i}")
            print(f"{'case':44} {'drawbridge':>12} {'openssh':>12} {'ratio':>6} "
                  f"{'cpu-s/GiB db':>13} {'cpu-s/GiB ssh':>14}")
            for cipher in CIPHERS:
                for direction in ("up", "down"):
                    rates = {"drawbridge": [], "openssh": []}
                    cpus = {"drawbridge": [], "openssh": []}
                    for r in range(ROUNDS):
                        order = ["drawbridge", "openssh"] if r % 2 == 0 else ["openssh", "drawbridge"]
                        for name in order:
                            rate, cpu = run_case(servers[name], key, cipher, direction, streams, local)
                            rates[name].append(rate)
                            cpus[name].append(cpu)
                    ratios = [d / o for d, o in zip(rates["drawbridge"], rates["openssh"])]
                    label = f"{cipher.split('@')[0]} {direction} x{streams} ({SIZE_MIB} MiB)"
                    print(f"{label:44} {statistics.median(rates['drawbridge']):8.2f} GiB/s"
                          f" {statistics.median(rates['openssh']):6.2f} GiB/s"
                          f" {statistics.median(ratios):6.2f}"
                          f" {statistics.median(cpus['drawbridge']):13.2f}"
                          f" {statistics.median(cpus['openssh']):14.2f}", flush=True)
    finally:
        for proc, *_ in servers.values():
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
