-- Loads a chain in one round trip: walks from a response to its nearest checkpoint (or its root).
-- ARGV: 1 key prefix, 2 response id, 3 TTL in ms (refreshed on every record read), 4 most records to walk
-- Returns {1, checkpoint JSON or '', record of the response, record of its parent, ...} (newest first),
-- or {0, id} when the response (deleted or unknown) or a record of its chain is missing.
local prefix, id, ttl, max = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local records = {}
while true do
  local key = prefix .. id
  local v = redis.call('HMGET', key, 'p', 'r', 'c', 'x')
  if not v[2] or (#records == 0 and v[4]) then return {0, id} end
  redis.call('PEXPIRE', key, ttl)
  records[#records + 1] = v[2]
  if v[3] or not v[1] then
    table.insert(records, 1, v[3] or '')
    table.insert(records, 1, 1)
    return records
  end
  if #records >= max then return {0, id} end
  id = v[1]
end
