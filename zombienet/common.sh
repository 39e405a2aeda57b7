# Shared by launch.sh, test.sh and polkadotjs.sh (source it; not executable on its own).
# Sets ZN_DIR, REPO_ROOT, FLARE_NODE_BIN, FLARE_BIN (absolute) and installs the npm dependencies.

ZN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$ZN_DIR/.." && pwd)

# npm ci when node_modules is missing or was installed from another package.json/package-lock.json.
# Only the npm registry is used (package.json overrides toml, whose git dependency can't be fetched).
zn_npm_deps() {
  command -v node >/dev/null || { echo "node (Node.js >= 20) is required" >&2; return 1; }
  command -v npm >/dev/null || { echo "npm is required" >&2; return 1; }
  local stamp="$ZN_DIR/node_modules/.flare-deps-stamp" want
  want=$({ cat "$ZN_DIR/package.json" "$ZN_DIR/package-lock.json"; node --version; } | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  echo "zombienet: installing npm dependencies (npm ci)..." >&2
  (cd "$ZN_DIR" && npm ci --no-audit --no-fund --loglevel=error) >&2 || return 1
  echo "$want" >"$stamp"
}

# Absolute path of a binary: $1 = value of the env var (may be empty or relative), $2 = default.
zn_resolve_bin() {
  local given=$1 default=$2 path
  path=${given:-$default}
  case "$path" in
    /*) ;;
    *) path="$PWD/$path" ;;
  esac
  if [ ! -x "$path" ]; then
    echo "binary not found or not executable: $path" >&2
    echo "build it first (cargo build -p flare-node -p flare) or set FLARE_NODE_BIN / FLARE_BIN" >&2
    return 1
  fi
  (cd "$(dirname "$path")" && echo "$(pwd -P)/$(basename "$path")")
}

# $FLARE_NODE_BIN / $FLARE_BIN, else the debug build in $CARGO_TARGET_DIR (when set, as in CI) or
# <repo>/target.
zn_bins() {
  local target=${CARGO_TARGET_DIR:-$REPO_ROOT/target}
  FLARE_NODE_BIN=$(zn_resolve_bin "${FLARE_NODE_BIN:-}" "$target/debug/flare-node") || return 1
  FLARE_BIN=$(zn_resolve_bin "${FLARE_BIN:-}" "$target/debug/flare") || return 1
  export FLARE_NODE_BIN FLARE_BIN
}

# A free TCP port on 127.0.0.1 (picked by the kernel).
zn_free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

zn_port_free() {
  node -e 'const s=require("net").createServer();s.once("error",()=>process.exit(1));s.listen(+process.argv[1],"127.0.0.1",()=>s.close())' "$1"
}

# Answers system_health on http://127.0.0.1:$1 ?
zn_rpc_up() {
  node -e '
fetch("http://127.0.0.1:" + process.argv[1], {method: "POST", headers: {"content-type": "application/json"},
  body: JSON.stringify({jsonrpc: "2.0", id: 1, method: "system_health", params: []}), signal: AbortSignal.timeout(2000)})
  .then(r => r.json()).then(j => process.exit(j.result ? 0 : 1), () => process.exit(1));' "$1"
}

# Kills, by process id, what a run started and left behind: flare processes whose pid files are
# in $1/pids, and flare-node processes whose command line names the network directory $2.
# SIGTERM first, SIGKILL after 10 s.
zn_cleanup_processes() {
  local fl_dir=$1 net_dir=$2 f pid pids=()
  if [ -n "$fl_dir" ] && [ -d "$fl_dir/pids" ]; then
    for f in "$fl_dir"/pids/*.pid; do
      [ -f "$f" ] || continue
      pid=$(cat "$f")
      if { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF "$FLARE_BIN"; then
        pids+=("$pid")
      fi
    done
  fi
  if [ -n "$net_dir" ]; then
    for f in /proc/[0-9]*/cmdline; do
      pid=${f#/proc/}; pid=${pid%/cmdline}
      [ "$pid" = "$$" ] && continue
      if { tr '\0' ' ' <"$f"; } 2>/dev/null | grep -qF -- "--base-path $net_dir/"; then
        pids+=("$pid")
      fi
    done
  fi
  [ ${#pids[@]} -gt 0 ] || return 0
  kill "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 50); do
    zn_any_running "${pids[@]}" || return 0
    sleep 0.2
  done
  kill -9 "${pids[@]}" 2>/dev/null || true
}

# Is any of these processes still running (exited-but-unreaped zombies do not count)?
zn_any_running() {
  local pid state
  for pid in "$@"; do
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || continue
    [ -n "$state" ] && [ "$state" != Z ] && return 0
  done
  return 1
}
