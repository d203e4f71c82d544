-- Deletes a background response's record once the chain store holds the response, unless the record has ended: an
-- end another replica recorded (the owner's lease had run out) stays until its TTL, never erased by the late owner.
-- KEYS[1] the record's hash. Returns 1 when deleted, 0 when absent, -1 when kept because another replica ended it.
if redis.call('HGET', KEYS[1], 'final') == '1' then return -1 end
return redis.call('DEL', KEYS[1])
