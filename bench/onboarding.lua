-- wrk script for bench/onboarding.py: each request registers a new vendor through the API,
-- with its own idempotency key; every RETRY_EVERY-th request resends the previous one
-- (same key, same body), as a phone does after a lost response.
local market_id = os.getenv("BENCH_MARKET_ID")
local token = os.getenv("BENCH_TOKEN")
local per_thread = tonumber(os.getenv("BENCH_REQUESTS_PER_THREAD"))
local retry_every = tonumber(os.getenv("BENCH_RETRY_EVERY"))
local threads = {}
local next_thread_id = 0

function setup(thread)
  next_thread_id = next_thread_id + 1
  thread:set("thread_id", next_thread_id)
  table.insert(threads, thread)
end

function init(args)
  sent, fresh, responses, statuses = 0, 0, 0, {}
  last_key, last_body = nil, nil
end

local function body_for(n)
  local id = thread_id * 1000000 + n
  return string.format(
    '{"kind":"trader","name":"Nguyễn Thị Thử %d","phone":"09%08d","market_id":%s,' ..
    '"stall_code":"T%d-%d","payment_methods":[{"kind":"bank_account","bank_bin":"970436",' ..
    '"account_number":"10%011d","account_holder":"NGUYEN THI THU"}]}',
    id, id % 100000000, market_id, thread_id, n, id)
end

function request()
  sent = sent + 1
  local key, body
  if last_key ~= nil and sent % retry_every == 0 then
    key, body = last_key, last_body
  else
    fresh = fresh + 1
    key = string.format("bench-%d-%d", thread_id, fresh)
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
  if responses >= per_thread then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local keys, total = 0, 0
  local codes = {}
  for _, thread in ipairs(threads) do
    keys = keys + thread:get("fresh")
    total = total + thread:get("responses")
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
  io.write(string.format("BENCH seconds=%.3f\n", summary.duration / 1e6))
end
