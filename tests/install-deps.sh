#!/usr/bin/env bash
# Installs what thingtop needs to build, run its demo and run its tests, on
# Debian 12 as root (or with sudo). Safe to run again.
set -euo pipefail
packages=(
  build-essential pkg-config meson ninja-build
  libncurses-dev libmosquitto-dev libssl-dev libjansson-dev libsqlite3-dev libconfig-dev zlib1g-dev libzstd-dev
  mosquitto mosquitto-clients
  tmux valgrind clang libclang-rt-14-dev openssl sqlite3 ca-certificates locales python3 bsdutils
  prometheus  # promtool checks the metrics file (tests skip without it)
  mandoc bash-completion  # man page lint, completion test
)
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
# The UI tests run in a UTF-8 locale.
if ! locale -a 2>/dev/null | grep -qi '^c\.utf-\?8$'; then
  echo "note: no C.UTF-8 locale; UI tests that need it will skip" >&2
fi
