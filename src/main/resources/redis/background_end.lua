-- Ends a background response's record: the response as it ended, marked final, with the record's TTL. Only once:
-- an ended record never changes, so an owner that lost its lease cannot overwrite the end another replica recorded,
-- and a replica that finds the lease run out ends it only if it still has not been renewed (ARGV[3] = '1').
-- KEYS[1] the record's hash. ARGV: 1 response JSON, 2 TTL in ms, 3 '1' to end only an abandoned record (lease past).
-- Returns 1 when ended now, 0 when it had already ended (or, for ARGV[3] = '1', its lease still runs), -1 when gone.
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HGET', KEYS[1], 'final') == '1' then return 0 end
if ARGV[3] == '1' then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if tonumber(redis.call('HGET', KEYS[1], 'lease') or '0') >= now then return 0 end
end
redis.call('HSET', KEYS[1], 'response', ARGV[1], 'final', '1')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
