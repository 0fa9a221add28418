#!/usr/bin/env bash
# Installs the Debian 12 packages that drawbridge needs to build, run and test.
# Idempotent: when everything is present it only checks, and touches nothing.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang-format
  # fuzzing (make fuzz, and the corpus run in make test): clang++, libFuzzer and sanitizer
  # runtimes (only recommended by clang-14, so named), llvm-symbolizer for readable reports
  clang libclang-rt-14-dev llvm
  # libraries (docs/dependencies.md says why each)
  libssl-dev libsqlite3-dev libsqlitecpp-dev nlohmann-json3-dev libtomlplusplus-dev
  libcli11-dev libspdlog-dev libfmt-dev libssh-dev libcrypt-dev libboost-dev libmaxminddb-dev libpugixml-dev
  libcurl4-openssl-dev libgtest-dev libgmock-dev libqrencode-dev libcbor-dev
  # the PostgreSQL store's client library, and the server its tests start (docs/store.md)
  libpq-dev postgresql-15
  # build-time data: zxcvbn's common-password list
  python3 python3-zxcvbn
  # tests: runner, and tools nobody here wrote for hash test vectors and key generation
  python3-pytest python3-passlib python3-paramiko whois openssl openssh-client sqlite3
  # tests: TOTP codes computed from the secret, and WebAuthn test vectors (docs/two-factor.md)
  python3-pyotp python3-cbor2
  # tests: a real SMTP server on loopback for the mail tests (docs/mail.md)
  python3-aiosmtpd
  # tests: expiry reminders with the server's wall clock moved forward (LD_PRELOAD)
  faketime
  # tests: third-party clients (rclone's sftp, ftp and webdav backends, lftp, curl, cadaver)
  # and the litmus WebDAV compliance suite
  lftp curl rclone litmus cadaver
  # tests: the REST API's OpenAPI document, validated by JSON::Validator and used by a client
  # that OpenAPI::Client generates from it (over HTTPS: IO::Socket::SSL)
  libjson-validator-perl libopenapi-client-perl libio-socket-ssl-perl
  # tests: a real TCP load balancer in front of the nodes, PROXY protocol v2 (docs/cluster.md)
  haproxy
  # tests: a real S3 server, Ceph's RADOS gateway on a one-node cluster (docs/s3.md#tests)
  ceph-mon ceph-mgr ceph-osd radosgw
  # tests: the web UI in a real browser (playwright-core drives it; no browser is downloaded)
  chromium
)
# The web UI's build (docs/web-ui.md#build): node and npm. Debian's nodejs and npm, unless a
# node with its own npm is installed already (NodeSource's nodejs package carries npm).
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (or: sudo $0)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
