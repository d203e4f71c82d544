-- A tenant's turns-per-minute token bucket, shared by every replica.
-- KEYS[1]: the bucket (a hash: tokens, at). ARGV[1]: turns per minute (the bucket holds up to one minute's worth).
-- Returns 0 when a turn was taken, else the milliseconds until one is free (nothing taken).
local per_minute = tonumber(ARGV[1])
local per_ms = per_minute / 60000
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or per_minute
local at = tonumber(state[2]) or now
if now > at then
  tokens = math.min(per_minute, tokens + (now - at) * per_ms)
end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) / per_ms)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(math.max(now, at)))
redis.call('PEXPIRE', KEYS[1], 60000 + 1000)
return wait
