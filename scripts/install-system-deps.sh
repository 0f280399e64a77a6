#!/usr/bin/env bash
# Debian packages the tests use: iptables/conntrack/iproute2/nfacct for the kernel tests in network
# namespaces, chromium for the webview and editor tests, neovim for the second LSP client, and the
# headers code-server's native modules build against. Idempotent; needs root (CI runs as root).
set -euo pipefail
PKGS=(iptables conntrack iproute2 nfacct iputils-ping chromium neovim libkrb5-dev libsecret-1-dev libx11-dev libxkbfile-dev pkg-config ripgrep)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "install-system-deps: missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
