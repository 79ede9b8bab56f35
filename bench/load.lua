-- wrk script of bench/load.py: each request is a random line of the file BENCH_REQUESTS,
-- "GET /path" or "POST /path urlencoded-body", with the cookie BENCH_COOKIE when set.
-- At the end one JSON line: requests, seconds, latency percentiles (ms) and errors.
local lines = {}
for line in io.lines(os.getenv("BENCH_REQUESTS")) do
  local method, path, body = line:match("^(%S+) (%S+) ?(.*)$")
  lines[#lines + 1] = {method = method, path = path, body = body}
end
local cookie = os.getenv("BENCH_COOKIE") or ""
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  math.randomseed(os.time() + (seed or 0) * 7919)
end

function request()
  local line = lines[math.random(#lines)]
  local headers = {["User-Agent"] = "bench-load"}
  if cookie ~= "" then headers["Cookie"] = cookie end
  if line.method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return wrk.format("POST", line.path, headers, line.body)
  end
  return wrk.format("GET", line.path, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50": %.1f, "p95": %.1f, "p99": %.1f, ' ..
    '"status_errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
