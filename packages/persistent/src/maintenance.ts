/**
 * The background side of the tier: which sessions are due for a backup, a swap-out or removal,
 * and the run that does it with bounded concurrency.
 */
import { type SessionError, SessionStoreError } from '@sessionkit/core';
import { type Entry, forEachLimit, needsWrite } from './entry';
import { asStoreError, type TierCore } from './tier-core';

/** What one maintenance run did. */
export interface MaintenanceReport {
  expired: number;
  backedUp: number;
  swapped: number;
  failed: number;
}

type Action = 'expired' | 'swapped' | 'backedUp';

/** How many sessions a maintenance run or a save writes at once. */
const WRITE_CONCURRENCY = 8;

/** What is due for an entry now, or null. */
function due(core: TierCore, entry: Entry, now: number): Action | null {
  if (entry.expiresAt <= now) return 'expired';
  const { swapAfterIdle, minIdleSwap, backupAfterIdle, maxBackupDelay, persistentTimeout } = core.options;
  const idle = now - entry.lastAccess;
  if (idle >= swapAfterIdle && idle >= minIdleSwap) return 'swapped';
  if (!entry.dirty) return null;
  // A busy session is never idle long enough: back it up anyway once its oldest unsaved change
  // is maxBackupDelay old, and before its copy in the store can lapse.
  const lapsing = entry.persistedVersion !== null && entry.persistedExpiresAt - now <= persistentTimeout / 2;
  if (idle >= backupAfterIdle || now - entry.dirtySince >= maxBackupDelay || lapsing) return 'backedUp';
  return null;
}

/** Re-decides under the key's lock: a request may have used the session since the run began. */
async function maintainOne(core: TierCore, key: string): Promise<Action | null> {
  const entry = core.entries.get(key);
  if (entry === undefined) return null;
  const now = core.now();
  const action = due(core, entry, now);
  if (action === 'expired') await core.retire(key, entry);
  else if (action === 'swapped' && !(await core.swapOut(key, entry, now))) return null;
  else if (action === 'backedUp' && !(await core.persist(key, entry))) return null;
  return action;
}

/** One maintenance run over every session in memory. Failures are counted and reported, never thrown. */
export async function maintain(core: TierCore): Promise<MaintenanceReport> {
  const report: MaintenanceReport = { expired: 0, backedUp: 0, swapped: 0, failed: 0 };
  const now = core.now();
  const keys: string[] = [];
  for (const [key, entry] of core.entries) if (due(core, entry, now) !== null) keys.push(key);
  let firstError: SessionError | null = null;
  await forEachLimit(keys, WRITE_CONCURRENCY, async (key) => {
    try {
      const action = await core.lock.run(key, () => maintainOne(core, key));
      if (action !== null) report[action]++;
    } catch (error) {
      report.failed++;
      core.counters.backgroundErrors++;
      firstError ??= asStoreError(error);
    }
  });
  if (firstError !== null) reportBackgroundError(core, firstError, report.failed);
  return report;
}

function reportBackgroundError(core: TierCore, error: SessionError, failed: number): void {
  const handler = core.options.onBackgroundError;
  try {
    if (handler !== null) handler(error);
    else {
      console.warn(
        `[sessionkit/persistent] ${failed} background backup(s) failed; the sessions stay in memory ` +
          `and the next run retries: ${error.message}`,
      );
    }
  } catch (thrown) {
    console.error('[sessionkit/persistent] onBackgroundError threw.', thrown);
  }
}

/**
 * Writes every session the store lacks or holds an older state of. Tries them all, then rejects
 * if any failed, so one bad record never keeps the others from being saved.
 */
export async function saveAll(core: TierCore): Promise<number> {
  let saved = 0;
  const failures: SessionStoreError[] = [];
  await forEachLimit([...core.entries.keys()], WRITE_CONCURRENCY, async (key) => {
    try {
      await core.lock.run(key, async () => {
        const entry = core.entries.get(key);
        if (entry !== undefined && needsWrite(entry, core.now()) && (await core.persist(key, entry))) saved++;
      });
    } catch (error) {
      failures.push(asStoreError(error));
    }
  });
  if (failures.length > 0) {
    throw new SessionStoreError(
      `${failures.length} in-memory session(s) could not be saved to the persistent store: ${failures[0]?.message}`,
      { cause: failures.length === 1 ? failures[0] : new AggregateError(failures) },
    );
  }
  return saved;
}
