-- wrk script: push an equivalent 4-metric group per target to Pushgateway, cycling over N targets.
local targets = tonumber(os.getenv("TARGETS") or "10000")
local threads_total = tonumber(os.getenv("THREADS") or "2")
local counter = 0
thread_id = 0  -- a global: wrk's thread:set() assigns globals
local next_id = 0

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
end

function init(args)
  wrk.method = "PUT"
  wrk.headers["Content-Type"] = "text/plain; version=0.0.4"
end

function request()
  counter = counter + 1
  local n = counter * threads_total + thread_id
  local target = n % targets
  local drifted = target % 10 == 0 and 1 or 0
  local body = string.format(
    "gitops_sync_status %d\ngitops_drift_files %d\ngitops_last_check_timestamp_seconds %d\ngitops_interval_seconds 120\n",
    drifted, drifted * 2, os.time())
  return wrk.format(nil, string.format("/metrics/job/gitops/repo/bench_rsyslog/server/srv-%05d", target), nil, body)
end

function done(summary, latency, requests)
  io.stderr:write(string.format("RESULT requests=%d duration_us=%d errors_status=%d errors_connect=%d errors_timeout=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
