-- wrk script: POST a drift report per request, cycling over N distinct targets.
-- Every request carries a later last_check than the previous one for its target, so each is
-- "stored" (the full write path), never "unchanged" or "superseded".
-- Each target keeps its status (a heartbeat), unless CHANGE=1: then every report flips it (SYNCED <-> OUT_OF_SYNC).
local targets = tonumber(os.getenv("TARGETS") or "10000")
local change = os.getenv("CHANGE") == "1"
-- One target in DRIFT_EVERY reports OUT_OF_SYNC (always the same two files); 0: none does.
local drift_every = tonumber(os.getenv("DRIFT_EVERY") or "10")
local threads_total = tonumber(os.getenv("THREADS") or "2")
local base = os.time() - 86400
local counter = 0
thread_id = 0  -- a global: wrk's thread:set() assigns globals
local next_id = 0

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local n = counter * threads_total + thread_id
  local target = n % targets
  local ms = math.floor(n / targets)
  local at = os.date("!%Y-%m-%dT%H:%M:%S", base + math.floor(ms / 1000)) .. string.format(".%03dZ", ms % 1000)
  local body
  local drifted = drift_every > 0 and target % drift_every == 0
  if change then drifted = (target + ms) % 2 == 1 end
  if drifted then
    body = string.format('{"repo":"bench/rsyslog","server":"srv-%05d","sync_status":"OUT_OF_SYNC","drift_count":2,"files":[{"name":"rsyslog.conf"},{"name":"rsyslog.d/30-lab.conf"}],"last_check":"%s","interval_seconds":120}', target, at)
  else
    body = string.format('{"repo":"bench/rsyslog","server":"srv-%05d","sync_status":"SYNCED","drift_count":0,"files":[],"last_check":"%s","interval_seconds":120}', target, at)
  end
  return wrk.format(nil, "/api/status", nil, body)
end

function done(summary, latency, requests)
  io.stderr:write(string.format("RESULT requests=%d duration_us=%d errors_status=%d errors_connect=%d errors_timeout=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
