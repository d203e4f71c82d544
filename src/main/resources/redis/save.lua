-- Saves one finished turn as an immutable delta record and keeps the ancestors a cold load needs alive.
-- ARGV: 1 key prefix, 2 response id, 3 parent id or '', 4 depth, 5 record JSON, 6 checkpoint JSON or '',
--       7 TTL in ms, 8 how many ancestors to walk at most
local prefix, id, parent, depth, record, checkpoint = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local ttl, walk = tonumber(ARGV[7]), tonumber(ARGV[8])
local key = prefix .. id
redis.call('HSET', key, 'd', depth, 'r', record)
if parent ~= '' then redis.call('HSET', key, 'p', parent) end
if checkpoint ~= '' then redis.call('HSET', key, 'c', checkpoint) end
redis.call('PEXPIRE', key, ttl)
local p, steps = parent, 0
while p and p ~= '' and steps < walk do
  local pk = prefix .. p
  if redis.call('PEXPIRE', pk, ttl) == 0 then break end
  if redis.call('HEXISTS', pk, 'c') == 1 then break end
  p = redis.call('HGET', pk, 'p')
  steps = steps + 1
end
return 1
