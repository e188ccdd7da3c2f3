import { rmdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { mapLimit, readHeadFile, removeFile, removeQuietly, walkFolders, yieldToIo } from './fs-util';
import { HASH_NAME, hashName } from './layout';
import { breakIfStale, removeIfOlder } from './lock';
import type { RecordFiles } from './record-files';

/** Parallel file operations of a walk: enough to hide latency, few enough to leave the libuv pool to requests. */
export const IO_CONCURRENCY = 8;

/**
 * Removes an owner marker whose record is gone, expired, corrupt or now owned by someone else.
 * Only under the record's lock, and skipped when it is busy: a set in progress writes the marker
 * before the record, so an unlocked cleanup could delete the marker of a session about to appear.
 */
export async function dropMarkerIfStale(files: RecordFiles, ownerHash: string, name: string): Promise<void> {
  await files.ifUnlocked(name, undefined, async () => {
    const current = await files.read(name);
    const valid =
      current.state === 'ok' &&
      current.record.ownerId !== null &&
      hashName(current.record.ownerId) === ownerHash &&
      current.record.expiresAt > Date.now();
    if (!valid) await removeQuietly(files.layout.markerPath(ownerHash, name));
  });
}

/** Verifies every marker of every owner; removes the stale ones and the owner folders left empty. */
export async function sweepMarkers(files: RecordFiles): Promise<void> {
  for await (const { dir, files: markers } of walkFolders(files.layout.owners)) {
    const ownerHash = basename(dir);
    if (!HASH_NAME.test(ownerHash)) continue;
    const names = markers.filter((marker) => HASH_NAME.test(marker));
    await mapLimit(names, IO_CONCURRENCY, async (name) => {
      const current = await files.read(name);
      const owner = current.state === 'ok' ? current.record.ownerId : null;
      const live = current.state === 'ok' && current.record.expiresAt > Date.now();
      if (!live || owner === null || hashName(owner) !== ownerHash)
        await dropMarkerIfStale(files, ownerHash, name);
    });
    // Fails (harmlessly) while markers remain; a concurrent addMarker recreates it if needed.
    await rmdir(dir).catch(() => undefined);
  }
}

/**
 * Walks the shards and deletes expired or corrupt records in batches of `batchSize`, yielding to
 * other I/O between batches; also removes temp files and locks that crashed processes left
 * behind (older than `staleAfter`), then sweeps the owner index. Busy records are skipped: their
 * lock holder is writing them right now. Resolves how many records were deleted.
 */
export async function pruneRecords(
  files: RecordFiles,
  settings: { batchSize: number; staleAfter: number; stopped: () => boolean },
): Promise<number> {
  const { batchSize, staleAfter, stopped } = settings;
  let removed = 0;
  const pending: string[] = [];
  const deleteBatch = async (names: string[]): Promise<void> => {
    const results = await mapLimit(names, IO_CONCURRENCY, (name) => pruneOne(files, name));
    removed += results.filter(Boolean).length;
    await yieldToIo();
  };
  const now = Date.now();
  for await (const { dir, files: names } of walkFolders(files.layout.sessions)) {
    if (stopped()) return removed;
    await mapLimit(names, IO_CONCURRENCY, async (file) => {
      const path = join(dir, file);
      if (HASH_NAME.test(file)) {
        const head = await readHeadFile(path);
        if (!head) return;
        if (!head.ok || head.value.expiresAt <= now || hashName(head.value.key) !== file) pending.push(file);
      } else if (file.endsWith('.tmp') || file.endsWith('.lock.break')) {
        await removeIfOlder(path, staleAfter);
      } else if (file.endsWith('.lock')) {
        await breakIfStale(path, staleAfter);
      }
    });
    while (pending.length >= batchSize && !stopped()) await deleteBatch(pending.splice(0, batchSize));
  }
  while (pending.length > 0 && !stopped()) await deleteBatch(pending.splice(0, batchSize));
  if (!stopped()) await sweepMarkers(files);
  return removed;
}

/** Deletes one record if it is still expired or corrupt once locked; skips it if busy. */
async function pruneOne(files: RecordFiles, name: string): Promise<boolean> {
  return files.ifUnlocked(name, false, async () => {
    const current = await files.read(name);
    if (current.state === 'missing') return false;
    if (current.state === 'ok' && current.record.expiresAt > Date.now()) return false;
    await removeFile(files.layout.recordPath(name));
    if (current.state === 'ok' && current.record.ownerId !== null) {
      await files.removeMarker(current.record.ownerId, name);
    }
    return true;
  });
}
