-- Reads a background response's record, and whether its owner's lease ran out (by Redis's clock) while it had not
-- ended: then the reader ends it (background_end with ARGV[3] = '1', which checks the lease again).
-- KEYS[1] the record's hash. Returns nil when there is no record, else {response JSON, 1 if abandoned else 0}.
local fields = redis.call('HMGET', KEYS[1], 'response', 'lease', 'final')
if not fields[1] then return nil end
if fields[3] == '1' then return {fields[1], 0} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if tonumber(fields[2] or '0') < now then return {fields[1], 1} end
return {fields[1], 0}
