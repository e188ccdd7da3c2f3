/**
 * The Lua scripts that make each write atomic. Redis runs a script without interleaving any
 * other command, so "read the version, compare, write, set the expiry" cannot race another
 * writer. On a Cluster every script touches exactly one key, since a script's keys must share a
 * slot there; the scripts that touch several (SET_INDEXED_SCRIPT, the REPLACE scripts) are only
 * sent to a standalone or Sentinel server. Every key a script touches is passed in KEYS, never
 * built inside it: Redis documents undeclared keys as unsupported, and servers and proxies that
 * route or check by the declared keys would miss them.
 *
 * "Now" is passed in by the caller (the app server's clock, the one core computed expiresAt
 * with), so the store, get() and core agree on what is live; PEXPIREAT uses Redis' clock, so
 * keep both in sync with NTP.
 */
import { createHash } from 'node:crypto';
import type { RedisArg, RedisCommands } from './client';

/** A script and its SHA1, for EVALSHA. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

function lua(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

// Insert or compare-and-set the session hash `sk` (returns 0 from the script on conflict).
// ARGV: payload, version, expiresAt, hasOwner ('1' | '0', or '2': an owner and session-list
// details, which are then the LAST argument of every script), ownerId, expectedVersion ('' for
// an insert), now. With details, 'm' holds them and 'a' the time of the write (last active).
// A key that is not a well-formed session (another type, a field missing or not a number) is
// not live: an insert replaces it and a compare-and-set conflicts, as for a missing record.
const SET_BODY = `
local live = false
local current = {}
if redis.call('TYPE', sk).ok == 'hash' then
  current = redis.call('HMGET', sk, 'v', 'e')
  local e = tonumber(current[2])
  live = e ~= nil and tonumber(current[1]) ~= nil and redis.call('HEXISTS', sk, 'p') == 1
    and e > tonumber(ARGV[7])
end
if ARGV[6] == '' then
  if live then return 0 end
elseif not live or tonumber(current[1]) ~= tonumber(ARGV[6]) then
  return 0
end
redis.call('DEL', sk)
if ARGV[4] == '2' then
  redis.call('HSET', sk, 'p', ARGV[1], 'v', ARGV[2], 'e', ARGV[3], 'o', ARGV[5], 'm', ARGV[#ARGV], 'a', ARGV[7])
elseif ARGV[4] == '1' then
  redis.call('HSET', sk, 'p', ARGV[1], 'v', ARGV[2], 'e', ARGV[3], 'o', ARGV[5])
else
  redis.call('HSET', sk, 'p', ARGV[1], 'v', ARGV[2], 'e', ARGV[3])
end
-- A deadline already past deletes the key at once instead of failing like SET PX would.
redis.call('PEXPIREAT', sk, ARGV[3])
`;

// Add `member` to the owner index `ok` with at least `score`, keeping each score an upper bound
// of the session's expiry (a score is only ever raised), dropping entries whose score is before
// `now`, and letting the index key expire with its last entry.
const INDEX_BODY = `
local existing = redis.call('ZSCORE', ok, member)
if not existing or tonumber(existing) < tonumber(score) then
  redis.call('ZADD', ok, score, member)
end
redis.call('ZREMRANGEBYSCORE', ok, '-inf', now)
local last = redis.call('ZRANGE', ok, -1, -1, 'WITHSCORES')
if last[2] then redis.call('PEXPIREAT', ok, string.format('%d', tonumber(last[2]))) end
`;

/**
 * Insert or compare-and-set one session hash.
 * KEYS[1] session key. ARGV: payload, version, expiresAt, hasOwner ('1' | '0'), ownerId,
 * expectedVersion ('' for an insert), now. Returns 1 when written, 0 on conflict.
 */
export const SET_SCRIPT = lua(`local sk = KEYS[1]${SET_BODY}return 1`);

/**
 * SET_SCRIPT and INDEX_ADD_SCRIPT in one round trip, for a session with an owner on a server
 * that is not a Cluster (where the two keys may live on different nodes). The index is only
 * updated when the write happens. KEYS[1] session key, KEYS[2] owner key. ARGV: as SET_SCRIPT,
 * then the storage key. Returns 1 when written, 0 on conflict.
 */
export const SET_INDEXED_SCRIPT = lua(
  `local sk = KEYS[1]${SET_BODY}local ok, member, score, now = KEYS[2], ARGV[8], ARGV[3], ARGV[7]${INDEX_BODY}return 1`,
);

// After SET_BODY wrote the new session: delete the session `old` it replaces, whatever that key
// holds (like DESTROY_SCRIPT), and take it out of its owner's index when it had none or that
// index is the declared key `ok`, the new session's owner's (a login from an anonymous session,
// a re-login): `leftover` is then 1. The owner id of an old session of another user, whose index
// the script was not given, comes back in `leftover` for the caller to remove the entry.
const REPLACE_BODY = `
local leftover = 1
local kind = redis.call('TYPE', old).ok
if kind == 'hash' then
  local o = redis.call('HGET', old, 'o')
  if o and ok and ARGV[4] ~= '0' and o == ARGV[5] then
    redis.call('ZREM', ok, oldMember)
  elseif o then
    leftover = o
  end
end
if kind ~= 'none' then redis.call('DEL', old) end
`;

/**
 * SET_SCRIPT for an insert that replaces another session (SetOptions.replaces), for a session
 * without an owner, off Cluster. KEYS[1] session key, KEYS[2] the replaced session's key. ARGV:
 * as SET_SCRIPT, then the replaced storage key. Returns 0 on conflict (nothing is deleted), 1
 * when written and replaced, or the replaced session's owner id when its index entry is left
 * for the caller to remove.
 */
export const REPLACE_SCRIPT = lua(
  `local sk = KEYS[1]${SET_BODY}local old, ok, oldMember = KEYS[2], false, ARGV[8]${REPLACE_BODY}return leftover`,
);

/**
 * REPLACE_SCRIPT for a session with an owner: SET_INDEXED_SCRIPT, then the replacement. KEYS[1]
 * session key, KEYS[2] owner key, KEYS[3] the replaced session's key. ARGV: as SET_SCRIPT, then
 * the storage key, then the replaced storage key. Returns as REPLACE_SCRIPT.
 */
export const REPLACE_INDEXED_SCRIPT = lua(
  `local sk = KEYS[1]${SET_BODY}local old, ok, oldMember = KEYS[3], KEYS[2], ARGV[9]${REPLACE_BODY}` +
    `local member, score, now = ARGV[8], ARGV[3], ARGV[7]${INDEX_BODY}return leftover`,
);

/**
 * Move the expiry of a live session, only if its owner is still the one the caller indexed.
 * KEYS[1] session key. ARGV: expiresAt, hasOwner ('1' | '0'), ownerId, now.
 * Returns 1 when moved, 0 when there is no live session, -1 when the owner changed meanwhile.
 */
export const TOUCH_SCRIPT = lua(`
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return 0 end
local current = redis.call('HMGET', KEYS[1], 'e', 'o')
local e = tonumber(current[1])
if not e or e <= tonumber(ARGV[4]) then return 0 end
local hasOwner = current[2] and '1' or '0'
if hasOwner ~= ARGV[2] or (current[2] and current[2] ~= ARGV[3]) then return -1 end
redis.call('HSET', KEYS[1], 'e', ARGV[1])
-- A session with session-list details keeps its last-active time.
if redis.call('HEXISTS', KEYS[1], 'm') == 1 then redis.call('HSET', KEYS[1], 'a', ARGV[4]) end
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1
`);

/**
 * Delete a session, whatever state it is in: a corrupt one (a field missing or garbage, or a
 * key of another type) is deleted too, since core destroys exactly those. KEYS[1] session key.
 * ARGV: now. Returns {} when nothing was there, else {live (1 | 0)} or {live, ownerId}.
 */
export const DESTROY_SCRIPT = lua(`
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'none' then return {} end
if kind ~= 'hash' then
  redis.call('DEL', KEYS[1])
  return {0}
end
local current = redis.call('HMGET', KEYS[1], 'e', 'o')
redis.call('DEL', KEYS[1])
local e = tonumber(current[1])
local live = (e and e > tonumber(ARGV[1])) and 1 or 0
if current[2] then return {live, current[2]} end
return {live}
`);

/**
 * Delete a session only if it still belongs to the owner (it may have moved to another one
 * since the owner index was read). KEYS[1] session key. ARGV: ownerId, now.
 * Returns -1 when not deleted, 0 when an expired record was deleted, 1 when a live one was.
 */
export const DESTROY_IF_OWNED_SCRIPT = lua(`
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return -1 end
local current = redis.call('HMGET', KEYS[1], 'e', 'o')
if current[2] ~= ARGV[1] then return -1 end
redis.call('DEL', KEYS[1])
local e = tonumber(current[1])
if e and e > tonumber(ARGV[2]) then return 1 end
return 0
`);

/**
 * Add a session to an owner index (see INDEX_BODY). KEYS[1] owner key. ARGV: storageKey,
 * expiresAt, now.
 */
export const INDEX_ADD_SCRIPT = lua(
  `local ok, member, score, now = KEYS[1], ARGV[1], ARGV[2], ARGV[3]${INDEX_BODY}return 1`,
);

/**
 * EVALSHA, falling back to EVAL when the server does not have the script: after a restart, a
 * SCRIPT FLUSH, a failover to a replica, or on a Cluster node that never ran it. EVAL also
 * caches it there for the next call. (ioredis' defineCommand does the same, but it would add
 * methods to a client the app owns.)
 */
export async function runScript(
  client: RedisCommands,
  script: LuaScript,
  keys: string[],
  args: RedisArg[],
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.eval(script.source, keys.length, ...keys, ...args);
  }
}
