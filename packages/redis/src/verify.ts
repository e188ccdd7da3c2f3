/**
 * `verify()` of the Redis store: PING for the server and the credentials, TIME for the clock (on
 * every master of a Cluster, since each expires its own keys), a probe record written and deleted
 * through the store's own scripts (a replica, a read-only ACL user or a full memory is found
 * there), and native expiry. Redis has no schema: the key space needs nothing created.
 */
import { type SessionStore, Verification, type VerifyOptions, type VerifyReport } from '@sessionkit/core';
import type { RedisCommands, RedisConnection } from './client';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Redis error replies that mean the credentials are wrong or missing. */
const AUTH = /^(WRONGPASS|NOAUTH)|invalid (username-)?password|AUTH.*(without any password|failed)/i;
/** Error replies that mean this user or node may not write. */
const READ_ONLY = /^(READONLY|NOPERM|OOM|MISCONF)/;

/** One error in the chain (the store wraps the driver's) that matches, or null. */
function matching(error: unknown, pattern: RegExp): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    const message = messageOf(current);
    if (pattern.test(message) || pattern.test(message.replace(/^.*?failed: /, ''))) return message;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/** Runs the checks on `client`; `store` is the Redis store itself (for the write probe). */
export async function verifyRedisStore(
  connection: RedisConnection,
  store: Pick<SessionStore, 'set' | 'get' | 'destroy'>,
  prefix: string,
  options?: VerifyOptions,
): Promise<VerifyReport> {
  const topology = connection.isCluster ? 'Cluster' : 'standalone or Sentinel';
  const v = new Verification(`Redis store (${topology}) on prefix ${prefix}`, options);
  const { clock } = v.options;
  // A Cluster client that knows no master yet answers with none (or an error saying so).
  const nodes: RedisCommands[] = await connection.masters().catch(() => []);
  if (nodes.length === 0) {
    v.problem(
      'reachable',
      'the Cluster client knows no master',
      'wait for the client\'s "ready" event before verifying',
    );
    return v.finish();
  }
  let worstSkew: { skew: number; sentAt: number; receivedAt: number; server: number } | null = null;
  for (const node of nodes) {
    if (typeof node.ping !== 'function' || typeof node.time !== 'function') {
      v.skipped('reachable', 'the client has no ping()/time() (not an ioredis client)');
      break;
    }
    const pong = await v.attempt(() => node.ping!());
    if (!pong.ok) {
      const refused = v.isTimeout(pong.error) ? null : matching(pong.error, AUTH);
      if (refused !== null) {
        v.ok('reachable', 'the server answered');
        v.problem(
          'credentials',
          `the server refused the credentials: ${refused}`,
          'check the password (and username, with ACLs) of the client or URL',
        );
      } else {
        v.unreachable(
          pong.error,
          "check the host and port, that Redis runs, and the client's retry settings",
        );
      }
      continue;
    }
    const sentAt = clock();
    const time = await v.attempt(() => node.time!());
    const receivedAt = clock();
    if (!time.ok) continue;
    const [seconds, micros] = time.value;
    const server = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const skew = server - (sentAt + receivedAt) / 2;
    if (worstSkew === null || Math.abs(skew) > Math.abs(worstSkew.skew))
      worstSkew = { skew, sentAt, receivedAt, server };
  }
  if (v.failed()) {
    for (const check of ['write', 'clock'] as const)
      v.skipped(check, 'not checked: the server could not be used');
    return v.finish();
  }
  v.ok('reachable', `the server answered (${nodes.length} master${nodes.length === 1 ? '' : 's'})`);
  v.ok('credentials', 'the credentials were accepted');
  v.ok('schema', 'Redis needs nothing created: the key space is the prefix');
  if (worstSkew !== null) {
    v.clock(
      worstSkew.server,
      worstSkew.sentAt,
      worstSkew.receivedAt,
      'Redis expires keys by its own clock (PEXPIREAT), so sessions end that much earlier or later than the app decided',
    );
  }
  await v.writeProbe(store, (error) => {
    const refused = matching(error, READ_ONLY);
    return refused === null
      ? null
      : {
          message: `Redis refused the write: ${refused}`,
          fix: 'connect to the master (not a replica), give the ACL user write commands (+@write +@scripting) on the prefix, or free memory',
        };
  });
  v.ok('expiry', 'native: every write and touch sets PEXPIREAT');
  return v.finish();
}
