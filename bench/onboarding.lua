-- wrk script for bench/onboarding.py: each request registers a new vendor through the API,
-- with its own idempotency key; every RETRY_EVERY-th request resends the previous one
-- (same key, same body), as a phone does after a lost response.
local market_id = os.getenv("BENCH_MARKET_ID")
local token = os.getenv("BENCH_TOKEN")
local per_thread = tonumber(os.getenv("BENCH_REQUESTS_PER_THREAD"))
local retry_every = tonumber(os.getenv("BENCH_RETRY_EVERY"))
-- A second run on the same database (bench/onboarding.py --floor) registers other people.
local run = tonumber(os.getenv("BENCH_RUN") or "1")
local threads = {}
local next_thread_id = 0

-- wrk's own duration is always the whole -d (its main thread sleeps that long even when every
-- thread has stopped), so the script times the requests itself, with a monotonic clock.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1

local function now()
  local ts = ffi.new("bench_timespec")
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

function setup(thread)
  next_thread_id = next_thread_id + 1
  thread:set("thread_id", next_thread_id)
  table.insert(threads, thread)
end

function init(args)
  sent, fresh, responses, statuses = 0, 0, 0, {}
  last_key, last_body = nil, nil
  started, finished = 0, 0
end

local function body_for(n)
  local id = run * 10000000 + thread_id * 1000000 + n
  return string.format(
    '{"kind":"trader","name":"Nguyễn Thị Thử %d","phone":"09%08d","market_id":%s,' ..
    '"stall_code":"T%d","payment_methods":[{"kind":"bank_account","bank_bin":"970436",' ..
    '"account_number":"10%011d","account_holder":"NGUYEN THI THU"}]}',
    id, id % 100000000, market_id, id, id)
end

function request()
  -- wrk calls request() once on its first thread to check the script, before connecting, and
  -- never sends what it returns: that call must not use up a key.
  if thread_id == 1 and not checked then
    checked = true
    return wrk.format("POST", "/api/v1/vendors")
  end
  if sent == 0 then
    started = now()
  end
  sent = sent + 1
  local key, body
  if last_key ~= nil and sent % retry_every == 0 then
    key, body = last_key, last_body
  else
    fresh = fresh + 1
    key = string.format("bench-%d-%d-%d", run, thread_id, fresh)
    body = body_for(fresh)
    last_key, last_body = key, body
  end
  return wrk.format("POST", "/api/v1/vendors", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = key,
  }, body)
end

function response(status, headers, body)
  responses = responses + 1
  statuses[status] = (statuses[status] or 0) + 1
  if responses >= per_thread and finished == 0 then
    finished = now()
    wrk.thread:stop()
    -- bench/onboarding.py interrupts wrk once every thread has said so, rather than wait -d.
    io.write("BENCH thread_done\n")
    io.flush()
  end
end

function done(summary, latency, requests)
  local keys, total = 0, 0
  local first, last, all_finished = math.huge, 0, true
  local codes = {}
  for _, thread in ipairs(threads) do
    keys = keys + thread:get("fresh")
    total = total + thread:get("responses")
    first = math.min(first, thread:get("started"))
    last = math.max(last, thread:get("finished"))
    all_finished = all_finished and thread:get("finished") > 0
    for code, count in pairs(thread:get("statuses")) do
      codes[code] = (codes[code] or 0) + count
    end
  end
  io.write(string.format("BENCH distinct_keys=%d\nBENCH responses=%d\n", keys, total))
  for code, count in pairs(codes) do
    io.write(string.format("BENCH status_%d=%d\n", code, count))
  end
  for _, p in ipairs({50, 99}) do
    io.write(string.format("BENCH p%d_ms=%.2f\n", p, latency:percentile(p) / 1000))
  end
  -- A thread stopped by -d before its share never set `finished`: then time the whole run.
  local seconds = all_finished and last - first or summary.duration / 1e6
  io.write(string.format("BENCH seconds=%.3f\n", seconds))
end
