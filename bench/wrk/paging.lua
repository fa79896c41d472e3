-- Keyset paging: each thread walks a list page by page, following next_cursor, up to
-- MAX_PAGES pages deep, then starts again from the first page.
--   wrk -s paging.lua URL -- MAX_PAGES       (URL: a list without cursor, e.g. ?sort=-updated_at&limit=50)
-- Connections of one thread share the walk, so some pages are fetched twice; what is measured
-- is the latency of pages 1..MAX_PAGES.
local report = require("report")

function setup(thread) report.setup(thread) end

function init(args)
  max_pages = tonumber(args[1]) or 20
  cursor = nil
  depth = 1
  deepest = 0
  non200 = 0
  first_error = ""
  pages = 0
end

function request()
  local path = wrk.path
  if cursor then path = path .. "&cursor=" .. cursor end
  return wrk.format("GET", path)
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
    if first_error == "" then first_error = status .. " " .. body:sub(1, 300) end
    cursor, depth = nil, 1
    return
  end
  pages = pages + 1
  if depth > deepest then deepest = depth end
  -- The body ends with "next_cursor":"…"} (keys are sorted): look only at its tail.
  local c = body:sub(-400):match('"next_cursor":"([%w_%-]+)"')
  if c and depth < max_pages then
    cursor, depth = c, depth + 1
  else
    cursor, depth = nil, 1
  end
end

function done(summary, latency, requests)
  report.done(summary, latency, requests, {sum = {"non200", "pages"}, max = {"deepest"}, text = {"first_error"}})
end
