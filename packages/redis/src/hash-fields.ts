/**
 * Reads of a session hash that tell a key of another type apart from an outage. Such a key
 * answers every hash command with WRONGTYPE; the store never writes one, so it is either a
 * corrupt record (for get) or simply no session (for touch and the owner index).
 */
import { SessionCorruptRecordError } from '@sessionkit/core';
import { isWrongType } from './checks';
import type { RedisCommands } from './client';

/**
 * The session hash's p, v, e, o and m fields; null when the key does not exist. A key of another
 * type answers every hash command with WRONGTYPE; it is reported as a corrupt record rather than
 * as an outage, so core removes it instead of failing every request that carries the cookie
 * (see the README, "Corrupt records").
 */
export async function readHash(
  client: RedisCommands,
  sessionKey: string,
  storageKey: string,
): Promise<(Buffer | null)[] | null> {
  let fields: (Buffer | null)[];
  try {
    fields = await client.hmgetBuffer(sessionKey, 'p', 'v', 'e', 'o', 'm');
  } catch (error) {
    if (isWrongType(error)) {
      throw new SessionCorruptRecordError(storageKey, 'the Redis key holds another type than a hash', {
        cause: error,
      });
    }
    throw error;
  }
  return fields.every((field) => field === null) ? null : fields;
}

/** HMGET, answering a key of another type as if it were missing (all fields null). */
export function hashFields(
  client: RedisCommands,
  key: string,
  ...fields: string[]
): Promise<(Buffer | null)[]> {
  return client
    .hmgetBuffer(key, ...fields)
    .catch((error: unknown) => (isWrongType(error) ? fields.map(() => null) : Promise.reject(error)));
}
