-- A fixed GET (the URL given to wrk, with -H "Authorization: Bearer …"); counts responses
-- other than 200 and keeps the first one for the report.
--   wrk -s get.lua URL
local report = require("report")

function setup(thread) report.setup(thread) end
report.expect(200)

