#!/usr/bin/env bash
# System packages the tests drive for real: an IRC server and a headless browser.
# Installs them with apt when running as root; otherwise says what is missing (those tests then skip).
set -euo pipefail
missing=()
command -v ngircd >/dev/null 2>&1 || [ -x /usr/sbin/ngircd ] || missing+=(ngircd)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)   # a self-signed certificate for the ircs:// test
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian may start ngircd as a service on install; the tests run their own on a free port. Stop only that
  # service, by the PID its init script recorded (never by process name: other ngircd processes are not ours).
  if command -v systemctl >/dev/null 2>&1; then systemctl stop ngircd >/dev/null 2>&1 || true; fi
  pidfile=/var/run/ngircd/ngircd.pid
  if [ -s "$pidfile" ]; then kill "$(cat "$pidfile")" >/dev/null 2>&1 || true; fi
else
  echo "not installing ${missing[*]}: run as root or install them yourself; their tests will be skipped" >&2
fi
