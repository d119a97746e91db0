-- wrk script of benchmarks/ingest.py: replays signed deliveries prepared in Python, one file per wrk
-- thread (LuaJIT has no HMAC, so the signatures are computed beforehand), or plain GETs for the no-op
-- route; writes requests/s, latency percentiles and non-2xx answers as JSON when the run ends.
--
-- wrk -t2 -c32 -d10s -s benchmarks/ingest.lua URL -- POOL_PREFIX|- RESULT.json [TOPIC]
-- A pool file holds, per delivery: "<delivery id> <signature> <body length>\n" then the body.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  result_path = args[2]  -- a global: done() runs in another Lua state and reads it from a thread
  topic = args[3] or "product.created"
  if args[1] ~= "-" then
    pool = assert(io.open(args[1] .. "." .. index, "rb"))
    wrapped = 0
  end
end

local function next_delivery()
  local line = pool:read("*l")
  if line == nil then  -- the pool ran out: start again (its products become repeats)
    wrapped = wrapped + 1
    pool:seek("set", 0)
    line = pool:read("*l")
  end
  local id, signature, length = line:match("^(%S+) (%S+) (%d+)$")
  return id, signature, pool:read(tonumber(length))
end

function request()
  if pool == nil then
    return wrk.format("GET")
  end
  local id, signature, body = next_delivery()
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["User-Agent"] = "WooCommerce/10.0.0 Hookshot (WordPress/6.8)",
    ["X-WC-Webhook-Source"] = "http://store.example/",
    ["X-WC-Webhook-Topic"] = topic,
    ["X-WC-Webhook-ID"] = "3",
    ["X-WC-Webhook-Delivery-ID"] = id,
    ["X-WC-Webhook-Signature"] = signature,
  }, body)
end

function done(summary, latency, requests)
  local wraps = 0
  for _, thread in ipairs(threads) do
    wraps = wraps + (thread:get("wrapped") or 0)
  end
  local out = assert(io.open(threads[1]:get("result_path"), "w"))
  out:write(string.format(
    '{"requests": %d, "duration_s": %.6f, "p50_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, ' ..
    '"non_2xx": %d, "socket_errors": %d, "pool_wraps": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, wraps))
  out:close()
end
