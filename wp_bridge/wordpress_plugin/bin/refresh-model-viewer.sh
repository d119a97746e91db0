#!/usr/bin/env bash
# Copies model-viewer's bundle from npm (pinned in the repo's package.json) into the plugin's
# vendor folder, with its licence. Run after changing the pin: `npm install` first.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
src="$repo/node_modules/@google/model-viewer"
dest="$repo/wp_bridge/wordpress_plugin/assets/vendor"
[ -f "$src/dist/model-viewer.min.js" ] || { echo "no $src: run npm install in $repo" >&2; exit 1; }
cp "$src/dist/model-viewer.min.js" "$dest/model-viewer.min.js"
cp "$src/LICENSE" "$dest/model-viewer-LICENSE.txt"
version="$(node -p "require('$src/package.json').version")"
printf '%s\n' "$version" >"$dest/model-viewer-VERSION.txt"
echo "vendored @google/model-viewer $version into $dest"
