-- wrk script for one load generator per replica: bench/ingest/report.lua's reports, under a repo of
-- this generator's own ("bench/replica-N"), so two generators write disjoint targets as two halves of
-- a fleet would (each checker reports to whichever replica the Service picks, never two at once).
dofile(os.getenv("REPORT_LUA"))
local report_request = request
local repo = '"repo":"bench/replica-' .. (os.getenv("REPLICA") or "0") .. '"'

function request()
  local body = report_request():match("\r\n\r\n(.*)$")
  return wrk.format(nil, "/api/status", nil, (body:gsub('"repo":"bench/rsyslog"', repo)))
end
