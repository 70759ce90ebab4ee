#!/usr/bin/env bash
# The site's front-end files, from the npm registry at build time (never a CDN at run time):
# Apache ECharts and htmx, copied into the package's static folder. Does nothing when present.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=src/jili/web/static/jili/vendor
ECHARTS=5.6.0
HTMX=2.0.4
if [ -f "$dest/echarts.min.js" ] && [ -f "$dest/htmx.min.js" ] && [ -f "$dest/VERSIONS" ] \
   && grep -qx "echarts@$ECHARTS htmx.org@$HTMX" "$dest/VERSIONS"; then
  exit 0
fi
command -v npm >/dev/null || { echo "vendor-assets: npm is needed (Debian: apt-get install npm)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "echarts@$ECHARTS" "htmx.org@$HTMX" >/dev/null)
mkdir -p "$dest"
tar -xzf "$work/echarts-$ECHARTS.tgz" -C "$work" package/dist/echarts.min.js package/LICENSE
cp "$work/package/dist/echarts.min.js" "$dest/echarts.min.js"
cp "$work/package/LICENSE" "$dest/LICENSE-echarts"
rm -rf "$work/package"
tar -xzf "$work/htmx.org-$HTMX.tgz" -C "$work" package/dist/htmx.min.js package/LICENSE
cp "$work/package/dist/htmx.min.js" "$dest/htmx.min.js"
cp "$work/package/LICENSE" "$dest/LICENSE-htmx"
echo "echarts@$ECHARTS htmx.org@$HTMX" > "$dest/VERSIONS"
echo "vendor-assets: echarts $ECHARTS and htmx $HTMX in $dest"
