#!/usr/bin/env bash
# Runs every benchmark. Benchmarks print figures; they never fail on speed.
set -euo pipefail
build=${1:-build}
# The reference peers are benchmark-only dependencies.
if [ ! -x /usr/sbin/sshd ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server
  systemctl disable --now ssh 2>/dev/null || true
fi
if [ ! -x /usr/sbin/proftpd ] || [ ! -e /usr/lib/proftpd/mod_tls.so ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends proftpd-core \
    proftpd-mod-crypto
  systemctl disable --now proftpd 2>/dev/null || true
fi
if [ ! -x /usr/sbin/nginx ] || ! command -v wrk >/dev/null; then
  # Installed without starting nginx's service: the benchmark runs its own nginx.
  policy_added=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    policy_added=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-extras wrk
  if [ -n "$policy_added" ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
echo "== action log search over 1,000,000 entries (target: each query well under 100 ms)"
"$build/bench/action_log_bench"
echo
echo "== SFTP throughput beside OpenSSH's sshd (target: every ratio >= 1.2)"
/usr/bin/python3 bench/sftp_bench.py "$build"
echo
echo "== SFTP sessions: memory per idle session (target <= 200 KiB), 100 logins at once"
/usr/bin/python3 bench/sftp_sessions_bench.py "$build"
echo
echo "== FTP throughput beside ProFTPD (targets: plain >= 1.0, TLS >= 1.2, <= 100 KiB per idle connection)"
/usr/bin/python3 bench/ftp_bench.py "$build"
echo
echo "== login storm: 20 addresses x 50 guesses beside a user logging in every second"
echo "   (targets: the user's worst login < 1 s; no attacker hashed more than the ban threshold)"
/usr/bin/python3 bench/login_storm_bench.py "$build"
echo
echo "== WebDAV beside nginx (targets: large GET/PUT >= 1.0, 4 KiB GETs >= 0.8, PROPFIND < 300 ms)"
/usr/bin/python3 bench/http_bench.py "$build"
