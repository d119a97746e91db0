#!/usr/bin/env bash
# Copies model-viewer's bundle and the decoders it fetches for compressed GLBs (meshopt, Draco) from
# npm (pinned in the repo's package.json) into the plugin's vendor folder, with their licences.
# Run after changing a pin: `npm install` first.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
modules="$repo/node_modules"
src="$modules/@google/model-viewer"
dest="$repo/wp_bridge/wordpress_plugin/assets/vendor"
[ -f "$src/dist/model-viewer.min.js" ] || { echo "no $src: run npm install in $repo" >&2; exit 1; }
cp "$src/dist/model-viewer.min.js" "$dest/model-viewer.min.js"
cp "$src/LICENSE" "$dest/model-viewer-LICENSE.txt"
version="$(node -p "require('$src/package.json').version")"
printf '%s\n' "$version" >"$dest/model-viewer-VERSION.txt"
echo "vendored @google/model-viewer $version into $dest"

# meshoptimizer's classic-script decoder (model-viewer loads it with a <script> tag).
cp "$modules/meshoptimizer/meshopt_decoder.cjs" "$dest/meshopt_decoder.js"
cp "$modules/meshoptimizer/LICENSE.md" "$dest/meshoptimizer-LICENSE.txt"
node -p "require('$modules/meshoptimizer/package.json').version" >"$dest/meshoptimizer-VERSION.txt"
# The glTF build of the Draco decoder that three.js's DRACOLoader (inside model-viewer) expects.
draco="$modules/three/examples/jsm/libs/draco"
mkdir -p "$dest/draco"
cp "$draco/gltf/draco_wasm_wrapper.js" "$draco/gltf/draco_decoder.wasm" "$draco/README.md" "$dest/draco/"
node -p "require('$modules/three/package.json').version" >"$dest/draco/three-VERSION.txt"
echo "vendored the meshopt and Draco decoders into $dest"
