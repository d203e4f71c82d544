-- Appends one entry of a background response's events to its stream, trimmed to about ARGV[2] entries, and gives the
-- stream its TTL, in one step — unless the response's record is already final (another replica ended it when the
-- owner's lease ran out): an ended response's events never change. KEYS[1] the stream, KEYS[2] the record's hash
-- (same hash tag). ARGV: 1 events JSON, 2 most entries kept, 3 TTL in ms. Returns 1 when appended, 0 when ended.
if redis.call('HGET', KEYS[2], 'final') == '1' then return 0 end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'events', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
