-- Saves one finished turn as an immutable delta record, but only if a cold replica can load it: its chain must
-- reach a checkpoint (or the chain's root) within the walk bound, through records that all exist. Otherwise
-- nothing is written and 0 is returned, and the caller saves again with a checkpoint of the whole context (an
-- ancestor that was never stored, store=false, or whose write was lost). Every ancestor walked gets its TTL back.
-- KEYS[1]: the response's key (it routes the script to the node of the tenant's hash tag in a Redis Cluster; every
-- key the script touches shares that hash tag)
-- ARGV: 1 key prefix, 2 response id, 3 parent id or '', 4 depth, 5 record JSON, 6 checkpoint JSON or '',
--       7 TTL in ms, 8 most records a load may walk (this one included)
local prefix, id, parent, depth, record, checkpoint = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local ttl, walk = tonumber(ARGV[7]), tonumber(ARGV[8])
if checkpoint == '' and parent ~= '' then
  local p, records = parent, 1
  while p do
    records = records + 1
    if records > walk then return 0 end
    local pk = prefix .. p
    if redis.call('PEXPIRE', pk, ttl) == 0 then return 0 end
    if redis.call('HEXISTS', pk, 'c') == 1 then break end
    p = redis.call('HGET', pk, 'p')
  end
end
local key = prefix .. id
redis.call('HSET', key, 'd', depth, 'r', record)
if parent ~= '' then redis.call('HSET', key, 'p', parent) end
if checkpoint ~= '' then redis.call('HSET', key, 'c', checkpoint) end
redis.call('PEXPIRE', key, ttl)
return 1
