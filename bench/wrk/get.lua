-- A fixed GET (the URL given to wrk, with -H "Authorization: Bearer …"); counts responses
-- other than 200 and keeps the first one for the report.
--   wrk -s get.lua URL
local report = require("report")

function setup(thread) report.setup(thread) end

function init(args)
  non200 = 0
  first_error = ""
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
    if first_error == "" then first_error = status .. " " .. body:sub(1, 300) end
  end
end

function done(summary, latency, requests)
  report.done(summary, latency, requests, {sum = {"non200"}, text = {"first_error"}})
end
