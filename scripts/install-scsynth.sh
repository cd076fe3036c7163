#!/usr/bin/env bash
# Installs SuperCollider's synth server (scsynth) and a JACK server (jackd2) on Debian/Ubuntu,
# for the tests that drive scsynth (see test/support/scsynth.ts). Idempotent: exits 0 at once
# when both are already on PATH. On failure prints a one-line reason to stderr and exits non-zero.
#
# Without recommends this is 17 small packages (~4.4 MB download, ~13 MB installed); it takes
# a few seconds on a machine with a Debian mirror in reach.
set -euo pipefail

if command -v scsynth >/dev/null 2>&1 && command -v jackd >/dev/null 2>&1; then
  exit 0
fi

fail() {
  echo "install-scsynth: $*" >&2
  exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "apt-get not found (not a Debian-like system); install supercollider-server and jackd2 by hand"

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    fail "not root and no password-less sudo; run: apt-get install --no-install-recommends supercollider-server jackd2"
  fi
fi

log="$(mktemp -t install-scsynth.XXXXXX)"
trap 'rm -f "$log"' EXIT

# jackd2 asks (debconf) whether to enable realtime scheduling: answer non-interactively.
export DEBIAN_FRONTEND=noninteractive

"${SUDO[@]}" apt-get update -q >"$log" 2>&1 ||
  fail "apt-get update failed: $(grep -m1 -E '^(E|W):' "$log" || tail -n1 "$log")"

# The lock timeout lets parallel test processes that both need the install queue up on dpkg's lock.
"${SUDO[@]}" apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=120 \
  supercollider-server jackd2 >"$log" 2>&1 ||
  fail "apt-get install supercollider-server jackd2 failed: $(grep -m1 -E '^E:' "$log" || tail -n1 "$log")"

command -v scsynth >/dev/null 2>&1 || fail "scsynth still not on PATH after installing supercollider-server"
command -v jackd >/dev/null 2>&1 || fail "jackd still not on PATH after installing jackd2"
exit 0
