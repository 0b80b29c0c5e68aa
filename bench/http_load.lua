-- wrk script for bench/http.py: every request names the next path of a file of paths, so that
-- each request carries a different token and no two threads ever send the same one.
--
--   wrk ... -s bench/http_load.lua URL -- PATHS_FILE METHOD OFFSET THREADS LIMIT
--
-- Thread t sends paths OFFSET+t, OFFSET+t+THREADS, ..., wrapping at the end of the file. With a
-- LIMIT above 0 it stops after that many requests, so that a load bounded to the file's length
-- never repeats a token. done() prints one line `WRK-RESULT {json}` that bench/http.py reads.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local paths = {}
local method, offset, stride, limit, body
local headers = {}
sent = 0

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  method = args[2]
  offset = tonumber(args[3])
  stride = tonumber(args[4])
  limit = tonumber(args[5])
  if method == "POST" then
    -- RFC 8058: what a mail client sends for a one-click unsubscribe.
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    body = "List-Unsubscribe=One-Click"
  end
end

function request()
  local index = (offset + id + sent * stride) % #paths + 1
  sent = sent + 1
  if sent == limit then
    wrk.thread:stop()
  end
  return wrk.format(method, paths[index], headers, body)
end

function done(summary, latency, requests)
  local issued, deepest = 0, 0
  for _, thread in ipairs(threads) do
    local count = thread:get("sent")
    issued = issued + count
    deepest = math.max(deepest, count)
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK-RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, '
      .. '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"issued": %d, "per_thread": %d}\n',
    summary.requests, summary.duration, summary.bytes, errors.connect, errors.read,
    errors.write, errors.status, errors.timeout, latency:percentile(50.0),
    latency:percentile(99.0), latency.max, issued, deepest
  ))
end
