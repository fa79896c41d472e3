-- Sign-ins: POST /api/v1/session {"username","password"} with correct passwords, spread over
-- many accounts so that no account is ever signed into twice at the same time.
--   wrk -t T -c C -s login.lua http://HOST:PORT/api/v1/session -- USERS THREADS PREFIX PASSWORD_PREFIX
-- Accounts PREFIX001..PREFIX<USERS> exist with the password PASSWORD_PREFIX001… (bench/auth/setup.py).
-- Thread t (1..THREADS) takes the accounts t, t+THREADS, t+2*THREADS, … in turn, so threads never
-- share an account and one thread's connections (C/T of them) hold different accounts as long
-- as USERS/THREADS > C/T. Counts responses other than 201, and 429 (throttled) separately.
local report = require("report")

function setup(thread) report.setup(thread) end

function init(args)
  users = tonumber(args[1]) or 48
  threads = tonumber(args[2]) or 1
  prefix = args[3] or "bench-login-"
  password_prefix = args[4] or "Kx7-signin-secret-"
  headers = {["Content-Type"] = "application/json"}
  local ti = thread_index or 1
  per_thread = {}
  for i = ti, users, threads do table.insert(per_thread, i) end
  if #per_thread == 0 then per_thread = {1} end
  n = 0
  non201 = 0
  throttled = 0
  first_error = ""
end

function request()
  n = n + 1
  local i = per_thread[(n - 1) % #per_thread + 1]
  local body = string.format('{"username":"%s%03d","password":"%s%03d"}', prefix, i, password_prefix, i)
  return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
  if status ~= 201 then
    non201 = non201 + 1
    if status == 429 then throttled = throttled + 1 end
    if first_error == "" then first_error = status .. " " .. body:sub(1, 300) end
  end
end

function done(summary, latency, requests)
  report.done(summary, latency, requests, {sum = {"non201", "throttled"}, text = {"first_error"}})
end
