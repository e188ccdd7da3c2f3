/**
 * A simulated browser holding one session, and the ledger that proves no write was lost.
 *
 * Every POST /inc adds one to the session's counter `n`. The user knows a floor (the counter
 * cannot be lower: every increment the server acknowledged) and a slack (requests whose outcome
 * is unknown, such as a commit that failed after reaching the backend, or a node killed
 * mid-request). Each answer is checked against that window: a counter below the floor is a lost
 * write, above floor + slack a phantom one. The window is exact whenever nothing was ambiguous.
 */
import type { Agent, IncomingHttpHeaders } from 'node:http';
import { type HttpResult, send } from './http-client';

/** What one response means for the session's data. */
export type Outcome =
  /** 200 from /inc with nothing degraded: the increment is saved. */
  | 'acked'
  /** 200 from /peek with the stored counter. */
  | 'read'
  /** The request certainly changed nothing (503 before the handler ran). */
  | 'not-applied'
  /** Fail-open served an anonymous session (200, x-degraded): nothing was saved. */
  | 'degraded'
  /** The increment may or may not be saved (503 at commit, fail-open commit error, 502 from the proxy). */
  | 'unknown'
  /** No HTTP response at all: refused, reset or timed out (a crash or a hang). */
  | 'transport'
  /** Any other status: an error that is not a store failure. */
  | 'unexpected';

/** One request as the load generator saw it. */
export interface RequestRecord {
  user: number;
  kind: 'inc' | 'peek' | 'login' | 'logout';
  status: number;
  outcome: Outcome;
  startedAt: number;
  endedAt: number;
  /** The node that answered (x-node), if any. */
  node: string | null;
  /** The counter in the answer. */
  n: number | null;
  /** Transport error or the error code in a 5xx body. */
  error: string | null;
}

/** A counter found below what was acknowledged. */
export interface LossEvent {
  user: number;
  at: number;
  expectedAtLeast: number;
  got: number;
  /** The counter fell below the value it had at the checkpoint (data committed before the fault). */
  belowCheckpoint: boolean;
}

/** Options of the requests a user sends. */
export interface SendOptions {
  agent?: Agent;
  timeoutMs?: number;
}

const COOKIE_NAME = 'sid';

function header(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  return typeof value === 'string' ? value : null;
}

/** One simulated browser with one session cookie and the session's ledger. */
export class SessionUser {
  /** The cookie value as the server sent it (still percent-encoded), or null. */
  cookie: string | null = null;
  /** The counter is at least this (every acknowledged increment). */
  floor = 0;
  /** Increments whose outcome is unknown since the floor was last exact. */
  slack = 0;
  /** The floor when {@link SessionUser.markCheckpoint} was called. */
  checkpoint = 0;
  /** Nodes that served this session. */
  readonly nodes = new Set<string>();
  readonly losses: LossEvent[] = [];
  phantoms = 0;

  constructor(readonly index: number) {}

  /** Remembers the current floor as data committed before a fault. */
  markCheckpoint(): void {
    this.checkpoint = this.floor;
  }

  /** POST /inc once; updates the ledger. */
  async inc(base: string, options: SendOptions = {}): Promise<RequestRecord> {
    const record = await this.#send(base, 'inc', options);
    this.#settle([record]);
    return record;
  }

  /** `count` concurrent POST /inc of this session (they race each other, possibly on different nodes). */
  async incConcurrently(base: string, count: number, options: SendOptions = {}): Promise<RequestRecord[]> {
    const records = await Promise.all(Array.from({ length: count }, () => this.#send(base, 'inc', options)));
    this.#settle(records);
    return records;
  }

  /** GET /peek: the stored counter must be inside the ledger's window. */
  async peek(base: string, options: SendOptions = {}): Promise<RequestRecord> {
    const had = this.cookie !== null;
    const record = await this.#send(base, 'peek', options);
    if (record.outcome === 'read' && had) {
      const n = record.n ?? 0;
      if (n < this.floor) this.#lost(record.endedAt, this.floor, n);
      else if (n > this.floor + this.slack) this.phantoms++;
      // The counter is known exactly now.
      this.floor = n;
      this.slack = 0;
    }
    this.#forgetIfCookieless();
    return record;
  }

  /**
   * POST /login (regenerate: a new ID, the same data) or POST /logout (destroy). The ledger
   * carries over a login and restarts from zero after a logout, when the cookie is cleared.
   */
  async act(base: string, action: 'login' | 'logout', options: SendOptions = {}): Promise<RequestRecord> {
    const result = await send(`${base}/${action}`, {
      method: 'POST',
      headers: this.cookie === null ? {} : { cookie: `${COOKIE_NAME}=${this.cookie}` },
      agent: options.agent,
      timeoutMs: options.timeoutMs ?? 15_000,
    });
    this.#takeCookie(result);
    this.#forgetIfCookieless();
    const record = this.#classify(result, 'peek');
    return { ...record, kind: action, outcome: record.outcome === 'read' ? 'acked' : record.outcome };
  }

  async #send(base: string, kind: 'inc' | 'peek', options: SendOptions): Promise<RequestRecord> {
    const result = await send(`${base}/${kind}`, {
      method: kind === 'inc' ? 'POST' : 'GET',
      headers: this.cookie === null ? {} : { cookie: `${COOKIE_NAME}=${this.cookie}` },
      agent: options.agent,
      timeoutMs: options.timeoutMs ?? 15_000,
    });
    this.#takeCookie(result);
    return this.#classify(result, kind);
  }

  #classify(result: HttpResult, kind: 'inc' | 'peek'): RequestRecord {
    let body: { node?: string; n?: number | null; error?: string; phase?: string; detail?: string } = {};
    try {
      body = result.body ? JSON.parse(result.body) : {};
    } catch {
      // a non-JSON body (a proxy error page): classified by status alone
    }
    const node = header(result.headers, 'x-node') ?? body.node ?? null;
    if (node !== null && result.status === 200) this.nodes.add(node);
    let outcome: Outcome;
    if (result.status === 0) outcome = 'transport';
    else if (result.status === 200) {
      if (header(result.headers, 'x-degraded') === '1') outcome = 'degraded';
      else if (header(result.headers, 'x-store-error') !== null)
        outcome = kind === 'inc' ? 'unknown' : 'read';
      else outcome = kind === 'inc' ? 'acked' : 'read';
    } else if (result.status === 503)
      outcome = body.phase === 'load' || kind === 'peek' ? 'not-applied' : 'unknown';
    else if (result.status === 502) outcome = 'unknown';
    else outcome = 'unexpected';
    return {
      user: this.index,
      kind,
      status: result.status,
      outcome,
      startedAt: result.startedAt,
      endedAt: result.endedAt,
      node,
      n: typeof body.n === 'number' ? body.n : null,
      error:
        result.error ??
        (body.error ? [body.error, body.detail].filter(Boolean).join(': ') : null) ??
        header(result.headers, 'x-store-error'),
    };
  }

  /** Applies the increments of one round (one request, or several sent at once). */
  #settle(records: RequestRecord[]): void {
    let acked = 0;
    let unknown = 0;
    for (const record of records) {
      if (record.kind !== 'inc') continue;
      if (record.outcome === 'acked' && record.n !== null) {
        acked++;
        // Requests of one round load concurrently, so each saw the floor plus at most the others.
        if (record.n < this.floor + 1) this.#lost(record.endedAt, this.floor + 1, record.n);
        else if (record.n > this.floor + records.length + this.slack) this.phantoms++;
      } else if (record.outcome === 'unknown' || record.outcome === 'transport') {
        unknown++;
      }
    }
    const single = records.length === 1 ? records[0] : undefined;
    if (single?.outcome === 'acked' && single.n !== null) {
      // One request alone: its answer is the counter it stored. The slack stays: a request of
      // unknown outcome (one the client hung up on) may still be in flight on the server and
      // land after this one loaded, adding its increment on top.
      this.floor = single.n;
    } else {
      this.floor += acked;
      this.slack += unknown;
    }
    this.#forgetIfCookieless();
  }

  #lost(at: number, expectedAtLeast: number, got: number): void {
    this.losses.push({ user: this.index, at, expectedAtLeast, got, belowCheckpoint: got < this.checkpoint });
  }

  #takeCookie(result: HttpResult): void {
    const lines = result.headers['set-cookie'] ?? [];
    for (const line of lines) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (pair.slice(0, eq).trim() !== COOKIE_NAME) continue;
      const value = pair.slice(eq + 1).trim();
      const cleared = value === '' || attributes.some((a) => a.trim().toLowerCase() === 'max-age=0');
      this.cookie = cleared ? null : value;
    }
  }

  /** Without a cookie there is no session: the next increment starts a new one at 1. */
  #forgetIfCookieless(): void {
    if (this.cookie === null) {
      this.floor = 0;
      this.slack = 0;
      this.checkpoint = 0;
    }
  }
}
