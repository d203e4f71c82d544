-- The deployment's compaction sealing key, shared by every replica: the first to ask stores its candidate, every later
-- one gets what is stored, so concurrent first starts agree. Deliberately without a TTL (docs/operations.md).
-- KEYS[1] the key. ARGV[1] the candidate ("<id>:<base64 of 32 bytes>"). Returns the stored value.
local stored = redis.call('GET', KEYS[1])
if stored then
  return stored
end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
