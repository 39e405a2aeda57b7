#!/usr/bin/env bash
# Installs everything Flare needs to build and test on a fresh Debian machine.
# Idempotent: a second run only checks what is already there.
set -euo pipefail

need_pkgs=()
for p in protobuf-compiler libssl-dev pkg-config clang make; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_pkgs[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}"
fi

if ! command -v rustup >/dev/null 2>&1; then
  echo "setup: rustup not found; install it from https://rustup.rs first" >&2
  exit 1
fi
installed_targets=$(rustup target list --installed)
for t in wasm32v1-none wasm32-unknown-unknown; do
  grep -qx "$t" <<<"$installed_targets" || rustup target add "$t"
done
rustup component list --installed | grep -q '^rust-src' || rustup component add rust-src

# Node.js tools (zombienet, polkadot.js tests) install from their own package.json when used.
echo "setup: prerequisites present ($(rustc --version))"
