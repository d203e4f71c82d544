-- Moves a conversation's head with a compare-and-set, and gives the conversation its TTL back.
-- KEYS[1] the conversation's hash. ARGV: 1 the head the caller read ('' for none), 2 the new head ('' for none),
-- 3 TTL in ms. Returns 1 when moved, 0 when the head had moved meanwhile, -1 when the conversation is gone.
if redis.call('HEXISTS', KEYS[1], 'created_at') == 0 then return -1 end
local head = redis.call('HGET', KEYS[1], 'head') or ''
if head ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'head', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
