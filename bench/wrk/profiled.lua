-- wrk script for `make bench` (bench/run.py). The scenario comes from the
-- environment:
--   BENCH_SCENARIO  get_id | get_username | patch_many | patch_one | login | mixed | directory
--   BENCH_TOKENS    file of "id,username,token" lines (from `profile-bench seed`)
--   BENCH_USERS     how many profiles were seeded (GET targets are drawn from all)
--   BENCH_WRITERS   how many users the PATCH scenarios write to (default 64)
--   BENCH_LOGINS    how many users log in (default 16)
--   BENCH_PASSWORD  their password
--   BENCH_ADMIN_TOKEN  an administrator's token (directory: GET /v1/users?q=…)
-- Every request carries the token of its own user; done() prints one line
-- "WRK_JSON {...}" that run.py reads.

local scenario = os.getenv("BENCH_SCENARIO") or "get_id"
local users = tonumber(os.getenv("BENCH_USERS") or "1")
local writers = tonumber(os.getenv("BENCH_WRITERS") or "64")
local logins = tonumber(os.getenv("BENCH_LOGINS") or "16")
local password = os.getenv("BENCH_PASSWORD") or "violet tractor umbrella"
local first = { "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "kasia",
  "liam", "maja", "nora", "oscar", "piotr", "quinn", "rosa", "sam", "tomek", "ula", "victor", "wanda", "zoe" }

local threads = {}
local counter = 0
local tokens = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    local id, name, token = line:match("^([^,]+),([^,]+),([^,]+)$")
    if id then tokens[#tokens + 1] = { id = id, name = name, token = token } end
  end
  math.randomseed(os.time() * 1000 + (thread_id or 0))
end

-- The username the seeder gives profile `id` (see bench/src/seed.rs).
local function username(id)
  return string.format("%s_%x", first[id % #first + 1], id)
end

local function auth(user)
  return { ["Authorization"] = "Bearer " .. user.token, ["Content-Type"] = "application/json" }
end

local function get(by_name)
  local me = tokens[math.random(#tokens)]
  local target = math.random(users)
  local path = by_name and ("/v1/users/@" .. username(target)) or ("/v1/users/" .. target)
  return wrk.format("GET", path, auth(me))
end

-- An administrator looking a user up: the first 8 characters of a random
-- seeded username (a username prefix; it also starts a word of few names).
local function directory()
  local q = string.sub(username(math.random(users)), 1, 8)
  local headers = { ["Authorization"] = "Bearer " .. (os.getenv("BENCH_ADMIN_TOKEN") or "") }
  return wrk.format("GET", "/v1/users?q=" .. q, headers)
end

local function patch(user)
  counter = counter + 1
  local body = string.format('{"location":"Place %d-%d"}', thread_id or 0, counter)
  return wrk.format("PATCH", "/v1/users/me", auth(user), body)
end

local function login()
  local user = tokens[math.random(math.min(logins, #tokens))]
  local body = string.format('{"login":"%s","password":"%s"}', user.name, password)
  return wrk.format("POST", "/v1/sessions", { ["Content-Type"] = "application/json" }, body)
end

function request()
  if scenario == "get_id" then
    return get(false)
  elseif scenario == "get_username" then
    return get(true)
  elseif scenario == "patch_many" then
    return patch(tokens[math.random(math.min(writers, #tokens))])
  elseif scenario == "patch_one" then
    return patch(tokens[1])
  elseif scenario == "login" then
    return login()
  elseif scenario == "directory" then
    return directory()
  elseif scenario == "mixed" then
    local roll = math.random(100)
    if roll <= 90 then return get(false) end
    if roll <= 99 then return patch(tokens[math.random(math.min(writers, #tokens))]) end
    return login()
  end
  error("unknown BENCH_SCENARIO " .. scenario)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"status_errors":%d,"socket_errors":%d,' ..
    '"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.status, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
