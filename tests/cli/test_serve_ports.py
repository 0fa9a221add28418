"""`serve` with a port already taken: every listener is bound before anything is created or
printed, and a failure is one line naming the address, the port and the key that changes it."""
import re
import socket

import pytest

BASE_CONFIG = 'region = "test-region"\n[security]\npbkdf2_iterations = 1000\n'


LISTENERS = [("sftp", "port"), ("sftp", "alt_port"), ("ftp", "port"), ("ftp", "implicit_port"),
             ("http", "port"), ("http", "plain_port")]


@pytest.mark.parametrize("section,key", LISTENERS, ids=[f"{s}.{k}" for s, k in LISTENERS])
def test_serve_with_a_port_taken_names_it_and_exits(db, section, key):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    ports = {("sftp", "port"): 0, ("sftp", "alt_port"): 0, ("ftp", "port"): 0,
             ("ftp", "implicit_port"): 0, ("http", "port"): 0, ("http", "plain_port"): 0}
    ports[(section, key)] = port
    config = BASE_CONFIG
    for sec in ("sftp", "ftp", "http"):
        config += f'[{sec}]\naddress = "127.0.0.1"\n'
        config += "".join(f"{k} = {v}\n" for (s, k), v in ports.items() if s == sec)
    db.config.write_text(config)
    try:
        proc = db.run("serve", check=False)
    finally:
        taken.close()
    assert proc.returncode == 1, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "cannot listen" in line]
    assert len(lines) == 1, proc.stderr
    env = f"DRAWBRIDGE_{section.upper()}_{key.upper()}"
    assert re.search(rf"cannot listen on 127\.0\.0\.1:{port}: Address already in use; change it "
                     rf"with {section}\.{key} \({env}\)", lines[0]), lines[0]
    assert "terminate called" not in proc.stderr
    # Nothing was created before the ports were bound: no administrator, no password shown.
    assert "password:" not in proc.stdout + proc.stderr
    assert db.json("user", "list") == []
