-- Renews the owner's lease on a running background response (by Redis's clock), and tells it whether a cancel was
-- asked for. An ended record never changes: once another replica ended it (its lease ran out), the owner has lost it.
-- Only the lease: the output travels once, in the events stream (events_append), never again with each renewal.
-- KEYS[1] the record's hash. ARGV: 1 lease in ms.
-- Returns 0 renewed, 1 renewed and a cancel was asked for, -1 the record is gone, -2 the record was ended (lease lost).
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HGET', KEYS[1], 'final') == '1' then return -2 end
local t = redis.call('TIME')
redis.call('HSET', KEYS[1], 'lease', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1]))
if redis.call('HGET', KEYS[1], 'cancel') == '1' then return 1 end
return 0
