import { createHash } from 'node:crypto';
import { join, sep } from 'node:path';

/** Names of session files and owner folders: a lowercase hex SHA-256. */
export const HASH_NAME = /^[0-9a-f]{64}$/;

/**
 * Maps any string (a storage key, an owner id) to a file name that can neither escape the
 * directory nor collide: SHA-256, fixed length, `[0-9a-f]` only.
 *
 * Not core's `sha256Base64url`: base64url mixes upper and lower case, so two names could collide
 * on a case-insensitive file system (macOS, SMB shares); and it hashes UTF-8, which maps every
 * lone surrogate to U+FFFD, so `'\uD800'` and `'\uFFFD'` would share a file. UTF-16LE is lossless.
 * The store key is usually a hash already; hashing again is cheap and makes ANY key safe.
 */
export function hashName(value: string): string {
  return createHash('sha256').update(value, 'utf16le').digest('hex');
}

/**
 * Where everything lives under the root:
 *
 *     sessions/<ab>/<cd>/<name>            a record (depth 2); <name> = hashName(key)
 *     sessions/<ab>/<cd>/<name>.lock       its lock, holding the record being written
 *     sessions/<ab>/<cd>/<name>.<rnd>.tmp  a write not yet renamed into place
 *     owners/<ef>/<gh>/<owner>/<name>      owner index marker; <owner> = hashName(ownerId)
 */
export class Layout {
  readonly sessions: string;
  readonly owners: string;

  constructor(
    readonly root: string,
    readonly depth: number,
  ) {
    this.sessions = join(root, 'sessions');
    this.owners = join(root, 'owners');
  }

  /** Shard folders of a hash name: two characters per level. */
  shards(name: string): string[] {
    const parts: string[] = [];
    for (let level = 0; level < this.depth; level++) parts.push(name.slice(level * 2, level * 2 + 2));
    return parts;
  }

  recordDir(name: string): string {
    return join(this.sessions, ...this.shards(name));
  }

  /**
   * The record's file: what join(recordDir(name), name) gives, put together directly since every
   * part is already normal (an absolute root, hex names); every store call asks for it.
   */
  recordPath(name: string): string {
    let path = this.sessions;
    for (let level = 0; level < this.depth; level++) path += `${sep}${name.slice(level * 2, level * 2 + 2)}`;
    return `${path}${sep}${name}`;
  }

  lockPath(name: string): string {
    return `${this.recordPath(name)}.lock`;
  }

  ownerDir(ownerHash: string): string {
    return join(this.owners, ...this.shards(ownerHash), ownerHash);
  }

  markerPath(ownerHash: string, name: string): string {
    return join(this.ownerDir(ownerHash), name);
  }
}
