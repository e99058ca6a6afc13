#!/usr/bin/env bash
# Type-checks sst.config.ts against SST's own generated platform types, offline.
#
# `sst install` generates the types into .sst/platform and installs the providers (@pulumi/aws,
# …) there with bun, from the npm registry. Before that, the SST CLI normally downloads pulumi and
# bun from GitHub into $XDG_CONFIG_HOME/sst/bin, which this workplace cannot reach. So:
#   - XDG_CONFIG_HOME points into the repo (.sst-home/, gitignored): nothing outside is touched;
#   - SST_SKIP_DEPENDENCY_CHECK=1 skips that download (`sst install` never runs pulumi);
#   - SST_BUN_PATH is bun from the npm package @oven/bun-linux-x64 (an optional dependency pinned
#     to the version SST 4.17.1 expects, 1.2.1); its package cache stays in .sst-home/ too.
# Elsewhere (a Mac with internet) the bun package is absent and SST downloads bun as usual.
#
# Usage: npm run typecheck:infra      (scripts/infra/typecheck.sh [--skip-install])
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"

export XDG_CONFIG_HOME="$root/.sst-home"
export BUN_INSTALL_CACHE_DIR="$root/.sst-home/bun-cache"
export SST_SKIP_DEPENDENCY_CHECK=1
export SST_TELEMETRY_DISABLED=1
mkdir -p "$XDG_CONFIG_HOME"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) bun_pkg="@oven/bun-linux-x64" ;;
  Linux-aarch64 | Linux-arm64) bun_pkg="@oven/bun-linux-aarch64" ;;
  Darwin-arm64) bun_pkg="@oven/bun-darwin-aarch64" ;;
  Darwin-x86_64) bun_pkg="@oven/bun-darwin-x64" ;;
  *) bun_pkg="" ;;
esac
if [ -n "$bun_pkg" ] && [ -x "node_modules/$bun_pkg/bin/bun" ]; then
  export SST_BUN_PATH="$root/node_modules/$bun_pkg/bin/bun"
else
  # No bun from npm for this platform: let SST fetch its own (needs internet).
  unset SST_SKIP_DEPENDENCY_CHECK
  echo "typecheck:infra: no $bun_pkg in node_modules; SST will download bun itself" >&2
fi

if [ "${1:-}" != "--skip-install" ]; then
  # Any stage name works; `typecheck` deploys nothing. The stage only feeds app() (region).
  node_modules/.bin/sst install --stage typecheck
fi

if [ ! -f .sst/platform/config.d.ts ]; then
  echo "typecheck:infra: .sst/platform/config.d.ts is missing: sst install did not generate it" >&2
  exit 1
fi

# Warn when the SST platform expects another bun than the one we gave it (after an sst upgrade).
if [ -n "${SST_BUN_PATH:-}" ]; then
  expected="$(node -p 'require("./.sst/platform/package.json").devDependencies["@types/bun"] ?? ""')"
  actual="$("$SST_BUN_PATH" --version)"
  if [ -n "$expected" ] && [ "$expected" != "$actual" ]; then
    echo "typecheck:infra: warning: SST's platform pins bun $expected, node_modules has $actual;" \
      "run: npm install -O -E $bun_pkg@$expected" >&2
  fi
fi

node_modules/.bin/tsc --noEmit -p tsconfig.infra.json
echo "typecheck:infra: sst.config.ts type-checks against SST $(node -p 'require("./node_modules/sst/package.json").version') platform types"
