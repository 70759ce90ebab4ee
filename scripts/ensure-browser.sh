#!/usr/bin/env bash
# Debian's Chromium and CJK fonts for the browser tests (Playwright drives /usr/bin/chromium; it never
# downloads a browser of its own). Installs them from Debian's packages when missing.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  echo "ensure-browser: installing ${need[*]} from Debian packages"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v chromium >/dev/null 2>&1 || { echo "ensure-browser: chromium is not installed" >&2; exit 1; }
echo "ensure-browser: $(chromium --version 2>/dev/null | head -n 1)"
