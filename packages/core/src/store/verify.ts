/**
 * `verify()`: a store checks, before the first user does, that it can do its job. The report's
 * shape and the collection of checks live here, once; each store supplies only the probes that
 * are specific to its backend (a column query, Redis TIME, a TTL index listing).
 *
 * Why `verify` is an optional, declared operation rather than a required one: DESIGN.md says
 * capabilities are declared, never probed, and a third-party store written before verify existed
 * must keep working. A store that has it says so with `capabilities.verify`; for one that does
 * not, `manager.verify()` still checks the manager's options against the declared capabilities
 * and reports the store's own checks as skipped, saying so. Core never runs a generic write probe
 * through a store that did not ask for one: that would be probing.
 */
import { redactSecrets } from '../config/redact';
import { SessionVerifyError } from '../errors';
import type { SessionStore } from './store';
import { describeError } from './store-errors';

/** What one check is about. */
export type VerifyCheckName =
  /** The server answers within the time limit. */
  | 'reachable'
  /** The credentials are accepted. */
  | 'credentials'
  /** The table / collection / directory / key space exists, with every mapped column. */
  | 'schema'
  /** A probe record under a reserved key was written, read back and deleted. */
  | 'write'
  /** Expired records go away: native expiry, a TTL index or a prune timer. */
  | 'expiry'
  /** The server's clock agrees with the app's. */
  | 'clock'
  /** The manager's options fit what the store declares. */
  | 'options';

/**
 * `ok`: passed. `problem`: the store cannot work as configured (verify rejects). `warning`:
 * works, but an operator should look (verify still resolves). `skipped`: not checked, and why.
 */
export type VerifyStatus = 'ok' | 'problem' | 'warning' | 'skipped';

/** One line of a {@link VerifyReport}. Never holds a password, a secret or a session ID. */
export interface VerifyCheck {
  check: VerifyCheckName;
  status: VerifyStatus;
  /** What was found, e.g. `column sk_version is missing from tomcat_sessions`. */
  message: string;
  /** How to fix it (a problem or warning), e.g. the exact `ALTER TABLE` to run. */
  fix?: string;
}

/** What `verify()` resolves with (and what a {@link SessionVerifyError} carries). */
export interface VerifyReport {
  /** The store checked, without secrets, e.g. `PostgreSQL store on public.sessions`. */
  store: string;
  /** No check has the status `problem`. */
  ok: boolean;
  checks: VerifyCheck[];
  /**
   * The server's clock minus the app's, in milliseconds (positive: the server is ahead), from a
   * time the server reported; null when the backend reports none (memory store) or could not be
   * reached.
   */
  clockSkewMs: number | null;
}

/** Options of `store.verify()` and `manager.verify()`. */
export interface VerifyOptions {
  /**
   * Time limit of each round trip of the check; a server slower than this is reported as not
   * answering. `manager.verify()` passes its `storeTimeout`.
   * @default 5_000
   */
  timeout?: number;
  /**
   * The largest clock skew between the server and the app that passes, in milliseconds. A skew
   * of minutes silently shortens or extends every session on a backend that expires natively.
   * `Infinity` only reports it.
   * @default 5_000
   */
  maxClockSkew?: number;
  /** The app's clock, in epoch ms. `manager.verify()` passes the manager's `clock`. @default Date.now */
  clock?: () => number;
}

/** The options after defaults. */
export interface ResolvedVerifyOptions {
  timeout: number;
  maxClockSkew: number;
  clock: () => number;
}

/** Fills in the defaults of {@link VerifyOptions}. */
export function resolveVerifyOptions(options: VerifyOptions = {}): ResolvedVerifyOptions {
  return {
    timeout: options.timeout ?? 5_000,
    maxClockSkew: options.maxClockSkew ?? 5_000,
    clock: options.clock ?? Date.now,
  };
}

/**
 * The storage key of verify's probe record. `~` is neither base64url nor a route character, so
 * no session key core mints (hashed or not) can ever be this one.
 */
export function verifyProbeKey(): string {
  const random = Math.floor(Math.random() * 0xffffffff)
    .toString(16)
    .padStart(8, '0');
  return `~sessionkit-verify~${random}`;
}

/** A check's time limit ran out. */
class VerifyTimeout extends Error {}

/**
 * Collects the checks of one verify run and settles it: each store's `verify()` builds one, adds
 * what it found and ends with {@link Verification.finish}.
 *
 * @example
 * async verify(options) {
 *   const v = new Verification('Acme store on sessions', options);
 *   const answered = await v.attempt('reachable', () => client.ping());
 *   if (answered.ok) v.ok('reachable', 'the server answered');
 *   await v.writeProbe(this);
 *   return v.finish();
 * }
 */
export class Verification {
  readonly options: ResolvedVerifyOptions;
  readonly #store: string;
  readonly #checks: VerifyCheck[] = [];
  #skew: number | null = null;

  constructor(store: string, options?: VerifyOptions) {
    this.#store = store;
    this.options = resolveVerifyOptions(options);
  }

  ok(check: VerifyCheckName, message: string): void {
    this.#add({ check, status: 'ok', message });
  }

  problem(check: VerifyCheckName, message: string, fix: string): void {
    this.#add({ check, status: 'problem', message, fix });
  }

  warning(check: VerifyCheckName, message: string, fix: string): void {
    this.#add({ check, status: 'warning', message, fix });
  }

  skipped(check: VerifyCheckName, message: string): void {
    this.#add({ check, status: 'skipped', message });
  }

  /** Whether a problem has been recorded for `check` (or for any check). */
  failed(check?: VerifyCheckName): boolean {
    return this.#checks.some((c) => c.status === 'problem' && (check === undefined || c.check === check));
  }

  /**
   * Runs one round trip under the time limit. Resolves its value, or the error (a timeout is a
   * `VerifyTimeout`, see {@link Verification.isTimeout}); never rejects, so the caller can record
   * the failure and go on to the checks that can still run.
   */
  async attempt<T>(run: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new VerifyTimeout()), this.options.timeout);
      // A check that hangs must not keep a process alive that has nothing else to do.
      (timer as { unref?: () => void }).unref?.();
    });
    try {
      return { ok: true, value: await Promise.race([run(), limit]) };
    } catch (error) {
      return { ok: false, error };
    } finally {
      clearTimeout(timer);
    }
  }

  isTimeout(error: unknown): boolean {
    return error instanceof VerifyTimeout;
  }

  /** Records "the server did not answer" for a failed first round trip. */
  unreachable(error: unknown, fix: string): void {
    this.problem(
      'reachable',
      this.isTimeout(error)
        ? `the server did not answer within ${this.options.timeout} ms`
        : `the server could not be reached: ${describeError(error)}`,
      fix,
    );
  }

  /**
   * Records the skew of a time the server reported (epoch ms), read between `sentAt` and
   * `receivedAt` on the app's clock: the midpoint is the best estimate of when the server read it.
   */
  clock(serverTime: number, sentAt: number, receivedAt: number, consequence: string): void {
    const skew = Math.round(serverTime - (sentAt + receivedAt) / 2);
    this.#skew = skew;
    const described = `the server's clock is ${Math.abs(skew)} ms ${skew >= 0 ? 'ahead of' : 'behind'} the app's`;
    if (Math.abs(skew) <= this.options.maxClockSkew) {
      this.ok('clock', `${described} (within ${this.options.maxClockSkew} ms)`);
    } else {
      this.problem(
        'clock',
        `${described}, more than maxClockSkew (${this.options.maxClockSkew} ms); ${consequence}`,
        'synchronise both clocks with NTP (chrony, systemd-timesyncd)',
      );
    }
  }

  /**
   * The write check: a probe record under a reserved key, written, read back and deleted through
   * the store's own operations, so a read-only user, a missing column or a refused write is found
   * here. `explain` turns a failure into the problem and its fix (null: the generic message).
   */
  async writeProbe(
    store: Pick<SessionStore, 'set' | 'get' | 'destroy'>,
    explain: (error: unknown) => { message: string; fix: string } | null,
  ): Promise<void> {
    const key = verifyProbeKey();
    // The stores filter expiry by the real clock, not the (possibly injected) app clock: the probe
    // must be live for them.
    const record = {
      payload: new Uint8Array([0]),
      version: 1,
      expiresAt: Date.now() + 60_000,
      ownerId: null,
    };
    let stage = 'write';
    // A store that assigns versions (a table without a version column) resolves the one it
    // stored; every other store stores the record's.
    let expectedVersion = record.version;
    const result = await this.attempt(async () => {
      const stored = await store.set(key, record);
      if (typeof stored === 'number') expectedVersion = stored;
      stage = 'read back';
      const read = await store.get(key);
      stage = 'delete';
      await store.destroy(key);
      return read;
    });
    if (!result.ok) {
      const known = this.isTimeout(result.error) ? null : explain(result.error);
      // Best effort: a probe written before a later stage failed must not stay behind.
      if (stage !== 'write') await this.attempt(() => store.destroy(key));
      this.problem(
        'write',
        known?.message ??
          (this.isTimeout(result.error)
            ? `the probe ${stage} did not finish within ${this.options.timeout} ms`
            : `the probe ${stage} failed: ${describeError(result.error)}`),
        known?.fix ?? 'check that the configured user may insert, update and delete session records',
      );
    } else if (result.value === null || result.value.version !== expectedVersion) {
      this.problem(
        'write',
        'the probe record was written but not read back',
        'check that nothing else (a trigger, another app with the same prefix or table) rewrites session records',
      );
    } else {
      this.ok('write', 'a probe record was written, read back and deleted');
    }
  }

  /**
   * The expiry check of a store that deletes expired records with a background prune: ok while
   * the timer runs, a warning when `interval` is 0 (records stay until someone calls prune()).
   */
  pruneTimer(interval: number, records: string): void {
    if (interval > 0) {
      this.ok('expiry', `a background prune deletes expired ${records} every ${interval} ms (±20%)`);
    } else {
      this.warning(
        'expiry',
        `pruneInterval is 0: expired ${records} stay until prune() runs`,
        'call store.prune() from a scheduled job, or set pruneInterval',
      );
    }
  }

  /** The report; rejects with a {@link SessionVerifyError} listing every problem when there is one. */
  finish(): VerifyReport {
    const report: VerifyReport = {
      store: this.#store,
      ok: !this.failed(),
      checks: [...this.#checks],
      clockSkewMs: this.#skew,
    };
    if (!report.ok) throw new SessionVerifyError(report);
    return report;
  }

  #add(check: VerifyCheck): void {
    // Driver messages can quote a connection string: the report must never carry its password.
    this.#checks.push({
      ...check,
      message: redactSecrets(check.message),
      ...(check.fix === undefined ? {} : { fix: redactSecrets(check.fix) }),
    });
  }
}

/** The report of a verify run, as lines for a terminal or a log. */
export function formatVerifyReport(report: VerifyReport): string {
  const mark: Record<VerifyStatus, string> = {
    ok: 'ok',
    problem: 'PROBLEM',
    warning: 'warning',
    skipped: 'skipped',
  };
  const lines = [`${report.store}: ${report.ok ? 'ok' : 'problems found'}`];
  for (const check of report.checks) {
    lines.push(`  ${mark[check.status]} [${check.check}] ${check.message}`);
    if (check.fix !== undefined && check.status !== 'ok') lines.push(`      fix: ${check.fix}`);
  }
  return lines.join('\n');
}
