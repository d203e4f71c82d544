-- Creates a conversation: its hash and its TTL in one step, so no conversation ever lives without one.
-- KEYS[1] the conversation's hash. ARGV: 1 created_at (seconds), 2 metadata JSON, 3 head id or '', 4 TTL in ms.
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'created_at', ARGV[1], 'metadata', ARGV[2], 'head', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
