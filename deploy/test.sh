#!/usr/bin/env bash
# Sets everything up, then runs the whole test suite. Tests start and stop their own redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."
WOO3D_EXTRAS=${WOO3D_EXTRAS:-dev,selfhosted} bash deploy/setup.sh
exec .venv/bin/python -m pytest "$@"
