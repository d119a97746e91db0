#!/usr/bin/env bash
# Sets everything up and runs woo3d on one machine: Redis, the web receiver (gunicorn) and a worker.
# With no configuration it runs offline: it writes a .env with fresh secrets, replays the shipped
# sample delivery, and prints where the model and its preview page are. Ctrl-C stops everything.
# Everything it writes stays in the checkout: .env, and var/ (Redis data, metrics, models).
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup.sh

if [ ! -f .env ]; then
  echo "run: writing .env with a fresh webhook secret and admin token (edit it to connect a store)"
  cat > .env <<ENV
WC_WEBHOOK_SECRET=$(openssl rand -hex 24 2>/dev/null || python3 -c 'import secrets; print(secrets.token_hex(24))')
WOO3D_ADMIN_TOKEN=$(openssl rand -hex 24 2>/dev/null || python3 -c 'import secrets; print(secrets.token_hex(24))')
WOO3D_LOG_FORMAT=console
ENV
fi
set -a; . ./.env; set +a

mkdir -p var
# One metrics directory for the web and the worker, so /metrics counts both; fresh on every start.
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-$PWD/var/metrics}"
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
# Libraries keep their caches here, not in ~/.cache (onnxruntime writes a device id there on import).
export XDG_CACHE_HOME="${XDG_CACHE_HOME:-$PWD/var/cache/xdg}"

# Each process runs in its own session, so Ctrl-C reaches this script alone and it stops them in
# order: the worker (it finishes its job; a second Ctrl-C ends the job), the web, then Redis, which
# both need until they exit.
redis_pid="" web_pid="" worker_pid=""
stop() {
  trap - EXIT
  trap 'kill -TERM "$worker_pid" 2>/dev/null || true' INT TERM
  for pid in "$worker_pid" "$web_pid" "$redis_pid"; do
    [ -n "$pid" ] || continue
    kill -TERM "$pid" 2>/dev/null || continue
    while kill -0 "$pid" 2>/dev/null; do wait "$pid" 2>/dev/null || true; done
  done
}
trap stop EXIT
trap 'exit 130' INT TERM

# Without a Redis of your own, run.sh starts one and names it in .env, so `woo3d deliveries list`,
# `woo3d trigger` … in another terminal use the running system.
port=${WOO3D_REDIS_PORT:-6399}
own_redis="redis://127.0.0.1:$port/0"
if [ -z "${WOO3D_REDIS_URL:-}" ] || [ "$WOO3D_REDIS_URL" = "$own_redis" ]; then
  setsid redis-server --port "$port" --bind 127.0.0.1 --dir "$PWD/var" --save 60 1 --appendonly yes >var/redis.log 2>&1 &
  redis_pid=$!
  export WOO3D_REDIS_URL="$own_redis"
  grep -q '^WOO3D_REDIS_URL=.' .env || printf '# started by deploy/run.sh while it runs\nWOO3D_REDIS_URL=%s\n' "$own_redis" >> .env
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

bind=${WOO3D_BIND:-127.0.0.1:8000}
setsid .venv/bin/gunicorn -c deploy/gunicorn.conf.py --bind "$bind" woo3d.wsgi:app &
web_pid=$!
setsid .venv/bin/woo3d worker &
worker_pid=$!

for _ in $(seq 100); do curl -fs "http://$bind/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
echo "run: woo3d is up at http://$bind (webhook: POST /webhooks/woocommerce; admin token in .env)"

if [ -z "${WC_STORE_URL:-}" ]; then
  echo "run: no store configured; replaying the sample delivery (samples/product_created__ruby_mug.json)"
  .venv/bin/woo3d deliveries replay --file samples/product_created__ruby_mug.json --sign --force
  for _ in $(seq 120); do
    state=$(curl -fs -H "Authorization: Bearer $WOO3D_ADMIN_TOKEN" "http://$bind/api/products/1001/status" || true)
    case "$state" in *'"state": "done"'*|*'"state":"done"'*|*'"state": "failed"'*|*'"state":"failed"'*) break ;; esac
    sleep 1
  done
  echo "run: product 1001 status: $state"
  echo "run: open ${WOO3D_OUTPUT_DIR:-var/output}/product-1001/preview.html in a browser to see the model"
fi
echo "run: Ctrl-C stops the worker, the web and Redis, in that order"
wait -n  # until Ctrl-C, or until one of them exits: then the others are stopped too
