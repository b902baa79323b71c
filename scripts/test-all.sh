#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine, as root: installs what the tests need from
# Debian's packages when it is missing (Chromium and its fonts, PostgreSQL, Redis, strace,
# poppler-utils), starts PostgreSQL and Redis on 127.0.0.1 when they are not answering, installs
# the npm packages, then runs `npm test`. Safe to run again: what is already there is left as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
dpkg -s fonts-noto-core >/dev/null 2>&1 || need+=(fonts-noto-core)
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# The backup test watches its fsyncs and renames through strace.
command -v strace >/dev/null 2>&1 || need+=(strace)
# The flyer test reads its PDFs' text and fonts back with pdftotext and pdffonts.
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
if [ ${#need[@]} -gt 0 ]; then
  echo "test-all: installing ${need[*]}"
  apt-get update -q
  apt-get install -y -q "${need[@]}" >/dev/null
fi

if ! pg_isready -q -h 127.0.0.1; then
  version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  hba="/etc/postgresql/${version}/main/pg_hba.conf"
  # The tests connect as postgres over TCP without a password.
  if ! grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
    sed -i -E 's/^(host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1\/32[[:space:]]+)[a-z0-9-]+/\1trust/' "$hba"
    grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba" ||
      sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
  fi
  echo "test-all: starting PostgreSQL ${version}"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start ||
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
  pg_isready -h 127.0.0.1
fi

if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  echo "test-all: starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.2; done
  redis-cli -h 127.0.0.1 ping
fi

# `npm ci` refuses this lock file (see .ci/run): the registry lacks some of Biome's optional platform
# packages (e.g. @biomejs/cli-android-arm64), which npm ci wants listed. `npm install` follows the lock.
npm install --no-audit --no-fund
npm test
