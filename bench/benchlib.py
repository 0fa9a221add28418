"""What the benchmark scripts share: free ports, a server's CPU time, waiting for a log line."""
import os
import pathlib
import re
import socket
import time

CLK = os.sysconf("SC_CLK_TCK")
# Benchmarks run at the production password-hashing cost: a lowered cost hides what users feel
# (every new connection's login pays it). ITERATIONS overrides it for a look at the rest.
ITERATIONS = int(os.environ.get("ITERATIONS", "600000"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def cpu_seconds(pid, reaped_children=True):
    """utime+stime of a process, with those of its reaped children (the per-connection
    processes of sshd and ProFTPD) unless told otherwise."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(fields[i]) for i in ((11, 12, 13, 14) if reaped_children else (11, 12))) / CLK


def user_root(binary, flags, user):
    """A user's default root folder, <data>/files/users/<id> (docs/user-roots.md); `flags`
    holds the --data-dir and --config the server runs with."""
    import json
    import subprocess
    shown = subprocess.run([str(binary), "user", "show", user, "--json", *flags], check=True,
                           capture_output=True, text=True).stdout
    data = pathlib.Path(flags[flags.index("--data-dir") + 1])
    return data / "files" / "users" / str(json.loads(shown)["id"])


def wait_for(path, pattern, timeout=30):
    """The first match of `pattern` in the file at `path`, waiting for it to appear."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = re.search(pattern, path.read_text()) if path.exists() else None
        if m:
            return m
        time.sleep(0.1)
    raise RuntimeError(f"{path}: no '{pattern}':\n" + (path.read_text() if path.exists() else ""))
