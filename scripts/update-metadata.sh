#!/usr/bin/env bash
# Regenerates client/flare/metadata/flare.scale (the metadata the client's typed API is generated
# from) from a freshly built flare-node. Run it after changing the runtime; the client's
# `metadata_matches_runtime` test fails until you do.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE=${FLARE_NODE_BIN:-target/debug/flare-node}
[ -x "$NODE" ] || cargo build -p flare-node
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$NODE" --dev --tmp --rpc-port "$PORT" --port 0 --no-prometheus --no-telemetry >/tmp/flare-metadata-node.log 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
python3 - "$PORT" <<'PY'
import json, sys, time, urllib.request
port = sys.argv[1]
def call(method, params):
    req = urllib.request.Request(f"http://127.0.0.1:{port}", data=json.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode(),
        headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=10))
for _ in range(600):
    try:
        call("system_health", [])
        break
    except Exception:
        time.sleep(0.5)
else:
    sys.exit("flare-node did not start; see /tmp/flare-metadata-node.log")
# Metadata_metadata_at_version(16) -> Option<OpaqueMetadata>: 0x01, compact length, bytes.
out = bytes.fromhex(call("state_call", ["Metadata_metadata_at_version", "0x10000000"])["result"][2:])
assert out[0] == 1, "runtime does not provide metadata V16"
b = out[1]
mode = b & 3
if mode == 0: n, off = b >> 2, 2
elif mode == 1: n, off = int.from_bytes(out[1:3], "little") >> 2, 3
elif mode == 2: n, off = int.from_bytes(out[1:5], "little") >> 2, 5
else: sys.exit("unexpected compact length")
meta = out[off:off + n]
assert meta[:4] == b"meta", "not a metadata blob"
open("client/flare/metadata/flare.scale", "wb").write(meta)
print(f"wrote client/flare/metadata/flare.scale ({len(meta)} bytes, V{meta[4]})")
PY
