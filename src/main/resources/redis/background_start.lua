-- Writes a background response's record as it starts: the response, the owner's lease (until Redis's own clock plus
-- the lease), and the record's TTL, in one step.
-- KEYS[1] the record's hash. ARGV: 1 response JSON, 2 lease in ms, 3 TTL in ms.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'response', ARGV[1], 'lease', now + tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
