-- Replaces a conversation's metadata, only while the conversation exists: a delete that won the race leaves
-- nothing behind (an HSET alone would re-create a hash holding only metadata, without a TTL).
-- KEYS[1] the conversation's hash. ARGV: 1 metadata JSON. Returns 1 when replaced, 0 when there is no such conversation.
if redis.call('HEXISTS', KEYS[1], 'created_at') == 0 then return 0 end
redis.call('HSET', KEYS[1], 'metadata', ARGV[1])
return 1
