#!/usr/bin/env bash
# `npm run demo`: installs what is missing (Debian packages, npm packages), then runs the demo (tools/demo.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-system-deps.sh
if [ ! -x node_modules/.bin/tsx ] || ! npm ls --depth=0 >/dev/null 2>&1; then
  npm ci --no-audit --no-fund
fi
exec node_modules/.bin/tsx tools/demo.ts
