#!/usr/bin/env bash
# prebuildify calls "<node-gyp> rebuild --target=... --release"; it has no cmake-js backend,
# so this stands in for node-gyp and runs the primary (cmake-js) build instead.
set -euo pipefail
cd "$(dirname "$0")/.."
exec npx cmake-js rebuild --CDCMAKE_BUILD_TYPE=Release
