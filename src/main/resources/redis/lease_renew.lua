-- Extends a lease its holder still holds. KEYS[1] the lease. ARGV: 1 the holder's token, 2 TTL in ms.
-- Returns 1 when extended, 0 when the lease is gone or another holder has it (the caller lost it).
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
