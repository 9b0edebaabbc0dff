#!/usr/bin/env bash
# The whole test suite on a fresh Debian/Ubuntu machine with Node 20+: installs what is missing (Debian packages,
# npm packages, a PostgreSQL server), then runs type checks, lint, dependency rules, unit tests and system tests
# (real ffmpeg, real RTSP server, real SQLite and PostgreSQL, real Chromium). `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-system-deps.sh
if [ ! -x node_modules/.bin/vitest ] || ! npm ls --depth=0 >/dev/null 2>&1; then
  npm ci --no-audit --no-fund
fi
VIGIL_TEST_PG_URL="$(bash tools/ensure-postgres.sh)"
export VIGIL_TEST_PG_URL
echo "test-all: PostgreSQL at ${VIGIL_TEST_PG_URL%%@*}@… (password hidden)" | sed 's#://[^:@]*:[^@]*@#://***@#'

# Every `vigil` the tests start records through the native byte path, or refuses to start: a missing
# compiler or header fails the run instead of quietly testing the JavaScript path alone (both are tested by name).
export VIGIL_BYTE_PATH=native

npm run -s typecheck
npm run -s lint
npm run -s depcruise
npx vitest run
