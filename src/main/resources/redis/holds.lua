-- Whether an undeleted response record exists (the console's inspector). Read only: no TTL is touched.
-- KEYS[1] the response's key. Returns 1 or 0.
if redis.call('HEXISTS', KEYS[1], 'r') == 1 and redis.call('HEXISTS', KEYS[1], 'x') == 0 then
  return 1
end
return 0
