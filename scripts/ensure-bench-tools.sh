#!/usr/bin/env bash
# Installs what `make bench` measures with: wrk, the HTTP load generator issue 19 names (Debian package). Without it
# (no root, no package source) bench/goals.py falls back to its own Python load generator and says so in the table.
set -uo pipefail
command -v wrk >/dev/null 2>&1 && exit 0
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
if command -v apt-get >/dev/null 2>&1; then
  echo "Installing wrk (Debian package) for the served benchmarks"
  { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk; } \
    >/dev/null 2>&1 || echo "wrk could not be installed: the served rounds use the Python load generator"
fi
exit 0
