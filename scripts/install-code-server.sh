#!/usr/bin/env bash
# Installs code-server (VS Code for the browser, from npm) into a cache folder outside git, for the
# editor tests in test/e2e/. @vscode/test-electron cannot download VS Code on these machines;
# code-server bundles the same VS Code (4.100.3 bundles VS Code 1.100, the last line on Node 20).
#
# Steps (see the shared ENVIRONMENT notes): code-server's postinstall downloads ripgrep from the
# internet, which fails here, so it is installed with scripts off and finished by hand, using
# Debian's ripgrep. Idempotent: a marker file records the installed version. Fails loudly.
#
# Usage: bash scripts/install-code-server.sh [DIR]   (default: .cache/code-server in the repo,
# or $KPP_CODE_SERVER_DIR). Prints the path of the code-server launcher on its last line.
set -euo pipefail

VERSION=4.100.3
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${1:-${KPP_CODE_SERVER_DIR:-$ROOT/.cache/code-server}}"
MARKER="$DIR/.installed-version"
BIN="$DIR/node_modules/code-server/out/node/entry.js"

fail() { echo "install-code-server: $*" >&2; exit 1; }

if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$VERSION" ] && [ -f "$BIN" ]; then
  echo "$BIN"
  exit 0
fi

command -v rg >/dev/null || fail "ripgrep is missing (run scripts/install-system-deps.sh as root)"
for pkg in libkrb5-dev libsecret-1-dev libx11-dev libxkbfile-dev pkg-config; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
    || fail "Debian package $pkg is missing (run scripts/install-system-deps.sh as root)"
done
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' \
  || fail "code-server $VERSION needs Node.js 20 (found $(node --version))"

echo "install-code-server: installing code-server@$VERSION into $DIR (takes a few minutes)" >&2
rm -f "$MARKER"
mkdir -p "$DIR"
cd "$DIR"
# A package.json of its own so npm does not walk up into the repository's.
[ -f package.json ] || echo '{ "name": "kpp-code-server-cache", "private": true }' > package.json

export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
npm install --no-save --ignore-scripts "code-server@$VERSION" >&2 || fail "npm install code-server@$VERSION failed"
npm rebuild argon2 >&2 || fail "npm rebuild argon2 failed"

VSCODE_DIR="$DIR/node_modules/code-server/lib/vscode"
[ -d "$VSCODE_DIR" ] || fail "$VSCODE_DIR not found after install"
(
  cd "$VSCODE_DIR"
  npm install --omit=dev --ignore-scripts >&2 || fail "npm install in lib/vscode failed"
  mkdir -p node_modules/@vscode/ripgrep/bin
  cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
  npm_config_yes=true npm rebuild >&2 || fail "npm rebuild in lib/vscode failed"
  ln -sfn node_modules node_modules.asar
)
(
  cd "$VSCODE_DIR/extensions"
  npm install --omit=dev >&2 || fail "npm install in lib/vscode/extensions failed"
)

[ -f "$BIN" ] || fail "$BIN missing after install"
XDG_CONFIG_HOME="$DIR/.config" node "$BIN" --version >&2 || fail "code-server does not start"
echo "$VERSION" > "$MARKER"
echo "$BIN"
