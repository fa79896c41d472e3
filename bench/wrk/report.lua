-- Shared by the wrk scripts: prints one machine-readable line with the numbers of a run,
--   BENCH_JSON {"requests":…,"rps":…,"p50_ms":…,"p95_ms":…,"p99_ms":…,"errors_status":…,…}
-- which bench/run-all collects. Latencies are wrk's (coordinated omission not corrected).
-- Threads' own counters (set by the scripts with globals) are summed via thread:get().
local M = {}

local threads = {}

-- Scripts that keep per-thread counters call this from their setup().
function M.setup(thread)
  thread:set("thread_index", #threads + 1)
  table.insert(threads, thread)
end

local function sum(name)
  local n = 0
  for _, t in ipairs(threads) do
    n = n + (tonumber(t:get(name)) or 0)
  end
  return n
end

local function max(name)
  local m = 0
  for _, t in ipairs(threads) do
    local v = tonumber(t:get(name)) or 0
    if v > m then m = v end
  end
  return m
end

local function first(name)
  for _, t in ipairs(threads) do
    local v = t:get(name)
    if v ~= nil and v ~= "" then return v end
  end
  return nil
end

local function quote(s)
  s = tostring(s):gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('[%c]', ' ')
  return '"' .. s .. '"'
end

-- extra.sum / extra.max: names of per-thread numeric globals to add up / take the largest of;
-- extra.text: per-thread string globals (the first non-empty one is reported).
function M.done(summary, latency, requests, extra)
  extra = extra or {}
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local function ms(us) return string.format("%.3f", us / 1000.0) end
  local f = {
    '"requests":' .. summary.requests,
    '"duration_s":' .. string.format("%.3f", seconds),
    '"rps":' .. string.format("%.1f", summary.requests / seconds),
    '"bytes":' .. summary.bytes,
    '"p50_ms":' .. ms(latency:percentile(50)),
    '"p90_ms":' .. ms(latency:percentile(90)),
    '"p95_ms":' .. ms(latency:percentile(95)),
    '"p99_ms":' .. ms(latency:percentile(99)),
    '"mean_ms":' .. ms(latency.mean),
    '"max_ms":' .. ms(latency.max),
    '"errors_connect":' .. e.connect,
    '"errors_read":' .. e.read,
    '"errors_write":' .. e.write,
    '"errors_timeout":' .. e.timeout,
    '"errors_status":' .. e.status,
  }
  for _, name in ipairs(extra.sum or {}) do
    table.insert(f, '"' .. name .. '":' .. sum(name))
  end
  for _, name in ipairs(extra.max or {}) do
    table.insert(f, '"' .. name .. '":' .. max(name))
  end
  for _, name in ipairs(extra.text or {}) do
    local v = first(name)
    table.insert(f, '"' .. name .. '":' .. (v and quote(v) or "null"))
  end
  io.write("BENCH_JSON {" .. table.concat(f, ",") .. "}\n")
end

-- The headers of wrk's -H options (the bearer token) with Content-Type: application/json, for
-- wrk.format, which replaces wrk.headers by the table it is given.
function M.json_headers()
  local h = {}
  for k, v in pairs(wrk.headers) do h[k] = v end
  h["Content-Type"] = "application/json"
  return h
end

-- For scripts whose requests all expect one status: defines the script's response() and done(),
-- which count the other answers in the per-thread global non<STATUS> and keep the first of them
-- (status and the start of the body) in first_error for the result line. Call it at the top level.
function M.expect(status)
  local counter = "non" .. status
  _G[counter] = 0
  first_error = ""
  response = function(got, headers, body)
    if got ~= status then
      _G[counter] = _G[counter] + 1
      if first_error == "" then first_error = got .. " " .. body:sub(1, 300) end
    end
  end
  done = function(summary, latency, requests)
    M.done(summary, latency, requests, {sum = {counter}, text = {"first_error"}})
  end
end

return M
