-- Appends one entry of a background response's events to its stream, trimmed to about ARGV[2] entries, and gives the
-- stream its TTL, in one step. KEYS[1] the stream. ARGV: 1 events JSON, 2 most entries kept, 3 TTL in ms.
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'events', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
