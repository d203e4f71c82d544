-- Loads a chain in one round trip: walks from a response to its nearest checkpoint (or its root).
-- KEYS[1]: the response's key (it routes the script to the node of the tenant's hash tag in a Redis Cluster; every
-- key the script touches shares that hash tag)
-- ARGV: 1 key prefix, 2 response id, 3 TTL in ms (refreshed on every record read), 4 most records to walk
-- Returns {1, checkpoint JSON or '', id of the response, its record, id of its parent, its record, ...}
-- (newest first), or {0, id} when the response (deleted or unknown) or a record of its chain is missing.
-- The ids let a replica rebuild from the nearest ancestor it already holds instead of the checkpoint.
local prefix, id, ttl, max = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local records = {}
local walked = 0
while true do
  local key = prefix .. id
  local v = redis.call('HMGET', key, 'p', 'r', 'c', 'x')
  if not v[2] or (walked == 0 and v[4]) then return {0, id} end
  redis.call('PEXPIRE', key, ttl)
  records[#records + 1] = id
  records[#records + 1] = v[2]
  walked = walked + 1
  if v[3] or not v[1] then
    table.insert(records, 1, v[3] or '')
    table.insert(records, 1, 1)
    return records
  end
  if walked >= max then return {0, id} end
  id = v[1]
end
