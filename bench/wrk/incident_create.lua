-- Records incidents as a service desk does: POST /api/v1/incidents with a different body each time
-- (title, description, symptom, service, category, group, impact, urgency, channel, reporter).
--   wrk -s incident_create.lua http://HOST:PORT/api/v1/incidents -- SERVICES GROUPS CATEGORIES AGENTS
-- SERVICES, GROUPS, CATEGORIES: "FIRST-LAST" id ranges that exist; AGENTS: users agent0001..agentNNNN
-- exist (0: callers by name only). Impact and urgency are mostly medium, with the other cells of
-- the matrix now and then, so the policy's priority differs between requests. Counts responses
-- other than 201.
local report = require("report")

function setup(thread) report.setup(thread) end
report.expect(201)

local systems_ja = {"基幹会計システム", "人事給与システム", "メール", "社内ポータル", "勤怠管理", "経費精算", "VPN",
  "無線LAN", "仮想デスクトップ", "複合機", "テレビ会議"}
local systems_en = {"Email", "VPN", "Wi-Fi", "ERP", "CRM", "Payroll", "File share", "Intranet", "Virtual desktop"}
local problems_ja = {"に接続できない", "が遅い", "でエラーが表示される", "にログインできない", "の画面が固まる",
  "で印刷できない", "が応答しない"}
local problems_en = {"cannot connect", "is slow", "shows an error", "login fails", "screen freezes", "not responding"}
local details_ja = {"朝から発生している。", "再起動しても改善しない。", "同じ部署の数名も同様。", "昨日のメンテナンス後から。",
  "急ぎの締め処理がある。"}
local details_en = {"Since this morning.", "A restart did not help.", "Colleagues on the same floor see it too.",
  "Started after last night's patching.", "Month-end closing is blocked."}
local levels = {"medium", "medium", "medium", "medium", "medium", "medium", "medium", "medium", "high", "low"}
local channels = {"phone", "phone", "phone", "phone", "phone", "email", "portal", "chat", "monitoring"}
local callers = {"佐藤 太郎", "鈴木 花子", "Anna Schmidt", "James Miller", "高橋 健"}

local function pick(t) return t[math.random(#t)] end

local function range(s)
  local lo, hi = string.match(s or "", "^(%d+)-(%d+)$")
  return {tonumber(lo) or 1, tonumber(hi) or 1}
end

local function in_range(r) return math.random(r[1], r[2]) end

function init(args)
  services, groups, categories = range(args[1]), range(args[2]), range(args[3])
  agents = tonumber(args[4]) or 0
  math.randomseed(os.time() * 100 + (thread_index or 0))
  headers = report.json_headers()
  n = 0
end

function request()
  n = n + 1
  local ja = math.random() < 0.6
  local system = ja and pick(systems_ja) or pick(systems_en)
  local problem = ja and pick(problems_ja) or pick(problems_en)
  local title = ja and (system .. problem) or (system .. " " .. problem)
  local desc = ja and (pick(details_ja) .. pick(details_ja)) or (pick(details_en) .. " " .. pick(details_en))
  local fields = {
    '"title":"' .. title .. " #" .. (thread_index or 0) .. "-" .. n .. '"',
    '"description":"' .. desc .. '"',
    '"symptom":"' .. title .. '"',
    '"service":' .. in_range(services),
    '"category":' .. in_range(categories),
    '"group":' .. in_range(groups),
    '"impact":"' .. pick(levels) .. '"',
    '"urgency":"' .. pick(levels) .. '"',
    '"channel":"' .. pick(channels) .. '"',
  }
  if agents > 0 and math.random() < 0.8 then
    table.insert(fields, string.format('"reporter":"agent%04d"', math.random(agents)))
  else
    table.insert(fields, '"caller":"' .. pick(callers) .. '"')
  end
  return wrk.format("POST", nil, headers, "{" .. table.concat(fields, ",") .. "}")
end
