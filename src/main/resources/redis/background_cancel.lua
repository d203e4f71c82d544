-- Asks the owner of a running background response to cancel it (it learns with its next renewal). Only a record
-- that exists and has not ended is marked: a cancel of an ended or unknown id changes nothing and creates no key.
-- KEYS[1] the record's hash. Returns 1 when marked, else 0.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'final') == '1' then return 0 end
redis.call('HSET', KEYS[1], 'cancel', '1')
return 1
