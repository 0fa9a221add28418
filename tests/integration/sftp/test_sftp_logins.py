"""How OpenSSH's clients log in, and what they are told, end to end: one guess counts once
however many methods offer it, a half-done two-factor login is a refusal of its own, and a
command or a shell is told that this server speaks SFTP only."""
import os
import stat
import subprocess
import time

import paramiko
import pytest

GOOD = "Correct-Horse-9-Battery"
WRONG = "Wrong-Horse-9-Battery"
SSH_OPTS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "LogLevel=ERROR"]


def askpass(tmp_path, *answers):
    """An SSH_ASKPASS program that gives `answers` in turn (the last one from then on) and
    counts how often OpenSSH asked. Returns (environment, number of questions so far)."""
    script = tmp_path / "askpass"
    count = tmp_path / "askpass.count"
    count.write_text("")
    cases = "\n".join(f"  {i + 1}) printf '%s\\n' '{a}' ;;" for i, a in enumerate(answers))
    script.write_text(f"""#!/bin/sh
echo . >> {count}
n=$(wc -l < {count})
case $n in
{cases}
  *) printf '%s\\n' '{answers[-1]}' ;;
esac
""")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    env = dict(os.environ, SSH_ASKPASS=str(script), SSH_ASKPASS_REQUIRE="force", DISPLAY=":0")
    return env, lambda: len(count.read_text().splitlines())


def openssh_sftp(server, env, user="alice", extra=()):
    # No key and no agent: OpenSSH asks for a password by keyboard-interactive, then by
    # "password", three times each by default. (No -b: it would turn on BatchMode.)
    return subprocess.run(["sftp", "-P", str(server.sftp_port), *SSH_OPTS,
                           "-o", "PubkeyAuthentication=no", "-o", "IdentityAgent=none", *extra,
                           f"{user}@127.0.0.1"], input="pwd\n", capture_output=True, text=True,
                          timeout=60, env=env)


def failed(server, *filters):
    return server.log("--action", "failedlogin", "--interface", "sftp", *filters)


def test_one_wrong_password_offered_by_every_method_counts_once(server, tmp_path):
    server.add_user("alice")
    server.run("site", "set", "user_lockout_tries=3")
    env, asked = askpass(tmp_path, WRONG)
    proc = openssh_sftp(server, env)
    assert proc.returncode != 0
    # OpenSSH offered the one password it was given several times, by both methods...
    assert asked() >= 2, proc.stderr
    # ...which is one guess: one entry, one failure toward the lock.
    assert [e["failure_type"] for e in failed(server)] == ["password_mismatch"]
    assert server.json("user", "show", "alice")["locked_out"] is False
    # Another connection is another guess; and typos that differ each count.
    env, asked = askpass(tmp_path, "Typo-1-Horse", "Typo-2-Horse")
    proc = openssh_sftp(server, env, extra=["-o", "NumberOfPasswordPrompts=1"])
    assert proc.returncode != 0 and asked() == 2, proc.stderr
    assert len(failed(server)) == 3
    assert server.json("user", "show", "alice")["locked_out"] is True


def test_the_right_password_after_a_typo_on_one_connection(server, tmp_path):
    server.add_user("alice")
    env, asked = askpass(tmp_path, WRONG, GOOD)
    proc = openssh_sftp(server, env)
    assert proc.returncode == 0, proc.stderr
    assert "Remote working directory: /" in proc.stdout
    assert [e["failure_type"] for e in failed(server)] == ["password_mismatch"]
    assert server.log("--action", "login")[0]["username"] == "alice"


def wait_for_entry(server, failure_type, seconds=10):
    """The entry a connection writes when it closes, which follows the client's exit."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        found = failed(server, "--failure-type", failure_type)
        if found:
            return found
        time.sleep(0.1)
    return []


def keygen(path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return path


def test_a_first_factor_without_the_second_is_a_failed_login(server, tmp_path):
    server.add_user("both", GOOD, "--method", "password_and_ssh_key")
    key = keygen(tmp_path / "k")
    server.run("sshkey", "add", "both", "--file", f"{key}.pub")
    # OpenSSH's key is accepted; in batch mode it cannot ask for the password, and leaves.
    proc = subprocess.run(["sftp", "-b", "-", "-P", str(server.sftp_port), "-i", str(key),
                           *SSH_OPTS, "-o", "BatchMode=yes", "both@127.0.0.1"], input="pwd\n",
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    entries = wait_for_entry(server, "password_missing")
    assert [(e["username"], e["interface"]) for e in entries] == [("both", "sftp")], \
        failed(server)
    assert "SSH key was accepted" in entries[0]["detail"]
    # The password alone (paramiko), then the client leaves: the key is what was missing.
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect()
    assert t.auth_password("both", GOOD) == ["publickey"]
    t.close()
    entries = wait_for_entry(server, "ssh_key_missing")
    assert [e["username"] for e in entries] == ["both"]
    # The factor given was right: it does not count toward a lock.
    assert server.json("user", "show", "both")["locked_out"] is False
    # A second factor that was tried and failed is recorded as that failure, once.
    t = paramiko.Transport(("127.0.0.1", server.sftp_port))
    t.connect()
    assert t.auth_password("both", GOOD) == ["publickey"]
    stranger = paramiko.Ed25519Key.from_private_key_file(str(keygen(tmp_path / "stranger")))
    with pytest.raises(paramiko.AuthenticationException):
        t.auth_publickey("both", stranger)
    t.close()
    time.sleep(1)
    types = [e["failure_type"] for e in failed(server)]
    assert types == ["key_mismatch", "ssh_key_missing", "password_missing"], types


@pytest.fixture
def keyed(server, tmp_path):
    server.add_user("alice")
    key = keygen(tmp_path / "id_ed25519")
    server.run("sshkey", "add", "alice", "--file", f"{key}.pub")
    return ["-P", str(server.sftp_port), "-i", str(key), *SSH_OPTS, "-o", "BatchMode=yes"]


def test_legacy_scp_is_told_to_use_sftp(server, keyed, tmp_path):
    src = tmp_path / "f.txt"
    src.write_text("hello\n")
    proc = subprocess.run(["scp", "-O", *keyed, str(src), "alice@127.0.0.1:/f.txt"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "this server speaks SFTP only" in proc.stderr, proc.stderr
    assert "scp without -O" in proc.stderr
    assert "exec request failed" not in proc.stderr
    assert not (server.files("alice") / "f.txt").exists()
    # As the message says: scp without -O works.
    subprocess.run(["scp", *keyed, str(src), "alice@127.0.0.1:/f.txt"], check=True, timeout=60)
    assert (server.files("alice") / "f.txt").read_text() == "hello\n"


def test_a_command_or_a_shell_is_told_sftp_only(keyed):
    port_opts = ["-p" if o == "-P" else o for o in keyed]
    for command in (["ls", "-l"], []):
        proc = subprocess.run(["ssh", "-T", *port_opts, "alice@127.0.0.1", *command],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 1, (command, proc.stderr)
        assert "this server speaks SFTP only" in proc.stderr, proc.stderr
        assert "request failed" not in proc.stderr
