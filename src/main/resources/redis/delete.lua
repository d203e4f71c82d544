-- Tombstones a response: its record stays for descendants' chain walks until it expires.
-- KEYS[1] the response's key. Returns 1 when an undeleted record existed, else 0.
if redis.call('HEXISTS', KEYS[1], 'r') == 1 and redis.call('HEXISTS', KEYS[1], 'x') == 0 then
  redis.call('HSET', KEYS[1], 'x', '1')
  return 1
end
return 0
