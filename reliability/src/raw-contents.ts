/**
 * Back-door reads of everything a store wrote, as raw bytes, for the "no cookie ID, no plaintext
 * at rest" checks: every file under a directory, every Redis key under a prefix (names, hash
 * fields and values, sorted-set members), every row of a SQL table.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';

/** Every file name and file content under `directory`. */
export function rawFiles(directory: string): Buffer {
  const parts: Buffer[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      parts.push(Buffer.from(name));
      if (statSync(path).isDirectory()) walk(path);
      else parts.push(readFileSync(path));
    }
  };
  walk(directory);
  return Buffer.concat(parts);
}

/** Every key under `prefix` with its hash fields and values or sorted-set members and scores. */
export async function rawRedis(client: Redis, prefix: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scanBuffer(
      cursor,
      'MATCH',
      `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`,
      'COUNT',
      500,
    );
    cursor = next.toString();
    for (const key of keys) {
      parts.push(key);
      const type = await client.type(key);
      if (type === 'hash') {
        for (const [field, value] of Object.entries(await client.hgetallBuffer(key))) {
          parts.push(Buffer.from(field), value);
        }
      } else if (type === 'zset') {
        for (const member of await client.zrangeBuffer(key, 0, -1, 'WITHSCORES')) parts.push(member);
      } else if (type === 'string') {
        parts.push((await client.getBuffer(key)) ?? Buffer.alloc(0));
      }
    }
  } while (cursor !== '0');
  return Buffer.concat(parts);
}

/** Every value of every row, as bytes (binary columns as they are, the rest as UTF-8 text). */
export function rawRows(rows: ReadonlyArray<Record<string, unknown>>): Buffer {
  const parts: Buffer[] = [];
  for (const row of rows) {
    for (const [column, value] of Object.entries(row)) {
      parts.push(Buffer.from(column));
      if (value instanceof Uint8Array) parts.push(Buffer.from(value));
      else if (value !== null && value !== undefined) parts.push(Buffer.from(String(value)));
    }
  }
  return Buffer.concat(parts);
}

/**
 * The spellings under which a secret could sit in storage: as text (UTF-8 and UTF-16LE), as
 * base64 / base64url / hex of its UTF-8, and, for a base64url session ID, its decoded random
 * bytes and their hex. Returns the ones found in `haystack`.
 */
export function leaks(haystack: Buffer, secrets: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [label, secret] of Object.entries(secrets)) {
    const utf8 = Buffer.from(secret, 'utf8');
    const spellings: Array<[string, Buffer]> = [
      ['utf8', utf8],
      ['utf16le', Buffer.from(secret, 'utf16le')],
      ['base64', Buffer.from(utf8.toString('base64').replace(/=+$/, ''))],
      ['base64url', Buffer.from(utf8.toString('base64url'))],
      ['hex', Buffer.from(utf8.toString('hex'))],
    ];
    if (/^[A-Za-z0-9_-]{22,}$/.test(secret)) {
      const raw = Buffer.from(secret, 'base64url');
      spellings.push(['decoded bytes', raw], ['decoded hex', Buffer.from(raw.toString('hex'))]);
    }
    for (const [how, needle] of spellings) if (haystack.includes(needle)) found.push(`${label} (${how})`);
  }
  return found;
}
