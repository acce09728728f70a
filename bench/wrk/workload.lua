-- One wrk script for every workload (bench/workloads.py holds the documents; this file mirrors
-- its random draws). The runner sets BENCH_WORKLOAD (W0..W5) and BENCH_DATA, a Lua file it wrote
-- with the data set's sizes, a token per driven user and the JSON-encoded documents.
-- wrk is a separate program: apt-get install wrk (Debian, Ubuntu), brew install wrk (macOS).

local data_file = os.getenv("BENCH_DATA")
local workload = os.getenv("BENCH_WORKLOAD")
if not data_file or not workload then
  error("run through the benchmark (python -m bench): BENCH_DATA and BENCH_WORKLOAD are not set")
end
local data = dofile(data_file)
local query = data.queries[workload]
if not query then
  error("unknown workload " .. workload)
end

local random, format = math.random, string.format
local reaction_types = { "LIKE", "LOVE", "HAHA", "WOW", "SAD", "PRAY" }

local function any_user()
  return random(1, data.users)
end

local function participant()
  local conversation = random(1, data.conversations)
  return 2 * conversation - 1 + random(0, 1), conversation
end

local function published_video()
  local k = random(1, data.published)
  return k + math.floor((k - 1) / 9)
end

-- Each returns the acting user and the request's variables as JSON.
local draws = {
  W0 = function()
    return any_user(), "{}"
  end,
  W1 = function()
    local user, conversation = participant()
    return user, format('{"conversationId":"%d"}', conversation)
  end,
  W2 = function()
    local video = published_video()
    local duration = 60 + (video * 37) % 3541
    local position = random(0, duration)
    return any_user(), format(
      '{"videoId":"%d","watchedSeconds":%d,"durationSeconds":%d,"lastPosition":%d}',
      video, position, duration, position)
  end,
  W3 = function()
    return any_user(), format('{"videoId":"%d","type":"%s"}', published_video(), reaction_types[random(1, 6)])
  end,
  W4 = function()
    return any_user(), format('{"id":"%d"}', data.hot_video)
  end,
  W5 = function()
    local user, conversation = participant()
    return user, format('{"conversationId":"%d","body":"Bench message %d"}', conversation, random(1, 1000000000))
  end,
}
local draw = draws[workload]

local threads = {}
local headers = { ["Content-Type"] = "application/json" }
errors = 0

function setup(thread)
  thread:set("thread_number", #threads + 1)
  table.insert(threads, thread)
end

function init(_args)
  math.randomseed(os.time() * 100 + thread_number)
end

function request()
  local user, variables = draw()
  headers["Authorization"] = "Bearer " .. data.tokens[user]
  return wrk.format("POST", "/graphql", headers, '{"query":' .. query .. ',"variables":' .. variables .. "}")
end

-- A request counts as an error when it is not a 200 or its body carries GraphQL errors.
function response(status, _headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    errors = errors + 1
  end
end

function done(summary, latency, _requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("errors")
  end
  local socket = summary.errors
  io.write(format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"errors":%d,"connect":%d,"read":%d,"write":%d,'
      .. '"timeout":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d}\n',
    summary.requests, summary.duration, failed, socket.connect, socket.read, socket.write,
    socket.timeout, latency:percentile(50), latency:percentile(99), latency.mean, latency.max))
end
