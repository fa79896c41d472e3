-- Creates services: POST /api/v1/services with a different, realistic body each time.
--   wrk -s create.lua http://HOST:PORT/api/v1/services -- ORGS OWNERS
-- ORGS: organization ids 1..ORGS exist (providers); OWNERS: users owner0001..ownerNNNN exist
-- (0: no owner). Counts responses other than 201.
local report = require("report")

function setup(thread) report.setup(thread) end
report.expect(201)

local names_ja = {"基幹会計システム", "人事給与システム", "メール配信", "社内ポータル", "勤怠管理", "経費精算",
  "販売管理システム", "在庫管理", "文書管理", "ファイル共有", "ID管理", "バックアップサービス", "監視基盤",
  "電子契約", "受発注EDI", "仮想デスクトップ", "無線LAN", "データ分析基盤", "請求書発行", "ワークフロー"}
local names_en = {"VPN gateway", "Email relay", "Web hosting", "Identity provider", "Data warehouse",
  "Log analytics", "Mobile device management", "Service desk portal", "Object storage", "DNS service",
  "Load balancer", "API gateway", "Video conferencing", "Customer portal", "Secrets vault", "Patch management"}
local qualifiers = {"（東京）", "（大阪）", "（本社）", " - EU", " - US East", " (staging)", " v2", "（検証環境）", ""}
local sentences = {
  "利用者からの問い合わせはサービスデスクが一次対応する。", "夜間バッチは 2:00 から 4:00 に実行される。",
  "バックアップは日次で取得し、30日間保管する。", "メンテナンス時間は毎週日曜 1:00-5:00。",
  "障害発生時は一次切り分け後、30分以内に顧客へ連絡する。", "ネットワーク障害時は待機系へ切り替える手順書あり。",
  "Failover to the secondary site is tested twice a year.", "Patching happens in the monthly maintenance window.",
  "Monitored by Zabbix; alerts go to the on-call engineer.", "VPN gateway failover is automatic (VRRP).",
  "Includes toner replacement for every network printer.", "Data is encrypted at rest with AES-256."}
local crit = {"critical", "high", "high", "medium", "medium", "medium", "low", "low"}
local hours = {"24x7", "平日 9:00-18:00", "Mon-Fri 08:00-20:00 CET", "平日 8:30-17:30（祝日除く）"}
local availability = {"99", "99.5", "99.9", "99.95", "99.99"}
local intervals = {"P90D", "P180D", "P365D"}

local function pick(t) return t[math.random(#t)] end

function init(args)
  orgs = tonumber(args[1]) or 1000
  owners = tonumber(args[2]) or 0
  math.randomseed(os.time() * 100 + (thread_index or 0))
  headers = report.json_headers()
  n = 0
end

function request()
  n = n + 1
  local ja = math.random() < 0.6
  local name = (ja and pick(names_ja) or pick(names_en)) .. pick(qualifiers) .. " #" .. (thread_index or 0) .. "-" .. n
  local desc = pick(sentences)
  if math.random() < 0.6 then desc = desc .. " " .. pick(sentences) end
  local fields = {
    '"name":"' .. name .. '"',
    '"description":"' .. desc .. '"',
    '"criticality":"' .. pick(crit) .. '"',
    '"availability_target":' .. pick(availability),
    '"users_count":' .. math.floor(math.exp(math.random() * 12)),
    '"support_hours":"' .. pick(hours) .. '"',
    '"review_interval":"' .. pick(intervals) .. '"',
  }
  if orgs > 0 then table.insert(fields, '"provider":' .. math.random(orgs)) end
  if owners > 0 and math.random() < 0.7 then
    table.insert(fields, string.format('"owner":"owner%04d"', math.random(owners)))
  end
  if math.random() < 0.25 then
    table.insert(fields, '"attributes":{"tier":' .. math.random(3) .. ',"dr_site":"大阪"}')
  end
  return wrk.format("POST", nil, headers, "{" .. table.concat(fields, ",") .. "}")
end
