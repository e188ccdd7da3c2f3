import { Worker } from 'node:worker_threads';

/** Reads a whole file; resolves null when it does not exist. */
export type ReadWhole = (path: string) => Promise<Buffer | null>;

/**
 * The thread's program, as source text rather than a file of the package: a bundled app (Next.js,
 * a single-file build) would not ship a second entry file next to the store, and esbuild may wrap
 * a function's text in helpers the thread would not have. It reads each path of a batch with
 * synchronous calls (open, read to the end, close), retried from the open on ESTALE as the
 * thread-pool path does, and answers the batch in one message: per path the byte length, null
 * (missing) or the error's fields, and the bytes of all files packed into one transferred buffer.
 */
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const SCRATCH = 16384;
let scratch = Buffer.allocUnsafe(SCRATCH);
function readWhole(path) {
  for (let attempt = 0; ; attempt++) {
    let fd;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      if (error.code === 'ENOENT') return null;
      if (error.code === 'ESTALE' && attempt < 3) continue;
      throw error;
    }
    try {
      let total = 0;
      for (;;) {
        if (total === scratch.length) {
          const grown = Buffer.allocUnsafe(scratch.length * 2);
          scratch.copy(grown, 0, 0, total);
          scratch = grown;
        }
        const count = readSync(fd, scratch, total, scratch.length - total, total);
        if (count === 0) return Buffer.from(scratch.subarray(0, total));
        total += count;
      }
    } catch (error) {
      if (error.code === 'ESTALE' && attempt < 3) continue;
      throw error;
    } finally {
      closeSync(fd);
    }
  }
}
parentPort.on('message', (paths) => {
  const results = [];
  const chunks = [];
  let size = 0;
  for (const path of paths) {
    try {
      const bytes = readWhole(path);
      if (bytes === null) {
        results.push(null);
      } else {
        results.push(bytes.length);
        chunks.push(bytes);
        size += bytes.length;
      }
    } catch (error) {
      const { message, code, errno, syscall } = error || {};
      results.push({ message: String(message), code, errno, syscall, path });
    }
  }
  // A pooled Buffer cannot be transferred (that would detach the pool): pack into one of its own.
  const data = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    data.set(chunk, offset);
    offset += chunk.length;
  }
  if (scratch.length > SCRATCH * 4) scratch = Buffer.allocUnsafe(SCRATCH);
  parentPort.postMessage({ results, data }, [data.buffer]);
});
`;

function spawnThread(source: string): Worker {
  return new Worker(source, { eval: true });
}

/** Per path: its byte length, null when missing, or the fields of the error reading it threw. */
type ThreadResult =
  | number
  | null
  | { message: string; code?: string; errno?: number; syscall?: string; path: string };

interface Request {
  path: string;
  resolve: (bytes: Buffer | null) => void;
  reject: (error: unknown) => void;
}

/**
 * A batch unanswered this long means the thread is stuck on a slow file system (an NFS server
 * gone away): reads go through the thread pool meanwhile, so that one hung file holds up no
 * other read, as through the pool, whose four threads take one read each.
 */
const STALL_MS = 100;

/**
 * Record reads on a thread of their own (one per process: see record-files.ts). Through libuv's
 * thread pool a read is three jobs (open, read, close), and each job pays for a hand-off: a
 * wake-up of a pool thread, a completion sent back, a callback on the event loop. Measured here,
 * those hand-offs cost more CPU than the three system calls themselves. This thread makes the
 * same calls, synchronously, for every read requested in one turn of the event loop, and answers
 * them in one message: one hand-off per turn instead of three per read. The result is byte for
 * byte what the pool path reads, and the store's deadlines still apply, as they wrap the call.
 *
 * The thread starts at the first read and holds the process open only while reads are in flight.
 * If it cannot start (worker threads refused, e.g. under the permission model) or stops
 * unexpectedly, every read from then on, and any it had not answered, goes through `fallback`.
 */
export class ReadThread {
  readonly #fallback: ReadWhole;
  #worker: Worker | null = null;
  /** True once the thread failed or was closed: reads use the fallback. */
  #off: boolean;
  #queued: Request[] = [];
  #flushing = false;
  /** Batches sent and not yet answered, oldest first (the thread answers in order). */
  readonly #sent: { requests: Request[]; at: number }[] = [];

  readonly #spawn: (source: string) => Worker;

  /** `spawn` starts the thread from its source; tests pass one that fails. */
  constructor(fallback: ReadWhole, enabled = true, spawn = spawnThread) {
    this.#fallback = fallback;
    this.#off = !enabled;
    this.#spawn = spawn;
  }

  read(path: string): Promise<Buffer | null> {
    const oldest = this.#sent[0];
    if (this.#off || (oldest !== undefined && performance.now() - oldest.at > STALL_MS)) {
      return this.#fallback(path);
    }
    return new Promise((resolve, reject) => {
      this.#queued.push({ path, resolve, reject });
      if (!this.#flushing) {
        this.#flushing = true;
        // After the poll phase: every read the requests of this turn asked for goes in one batch.
        setImmediate(this.#flush);
      }
    });
  }

  /** Stops the thread; reads still unanswered finish through the fallback. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#disable();
    await worker?.terminate();
  }

  readonly #flush = (): void => {
    this.#flushing = false;
    const requests = this.#queued;
    this.#queued = [];
    const worker = this.#off ? null : this.#start();
    if (worker === null) {
      for (const request of requests) this.#viaFallback(request);
      return;
    }
    if (this.#sent.length === 0) worker.ref();
    this.#sent.push({ requests, at: performance.now() });
    worker.postMessage(requests.map((request) => request.path));
  };

  #start(): Worker | null {
    if (this.#worker !== null) return this.#worker;
    try {
      const worker = this.#spawn(THREAD_SOURCE);
      worker.unref();
      worker.on('message', this.#answer);
      worker.on('error', () => this.#disable());
      worker.on('exit', () => this.#disable());
      this.#worker = worker;
      return worker;
    } catch {
      this.#disable();
      return null;
    }
  }

  readonly #answer = ({ results, data }: { results: ThreadResult[]; data: Uint8Array }): void => {
    const batch = this.#sent.shift();
    if (batch === undefined) return;
    if (this.#sent.length === 0) this.#worker?.unref();
    let offset = data.byteOffset;
    batch.requests.forEach((request, i) => {
      const result = results[i];
      if (result === null) {
        request.resolve(null);
      } else if (typeof result === 'number') {
        request.resolve(Buffer.from(data.buffer, offset, result));
        offset += result;
      } else if (result === undefined) {
        this.#viaFallback(request);
      } else {
        // As fs would have thrown it (message, code, errno, syscall), with the path that was read.
        const { message, ...fields } = result;
        request.reject(Object.assign(new Error(message), fields));
      }
    });
  };

  /** From now on the fallback reads everything, including what the thread had not answered. */
  #disable(): void {
    this.#off = true;
    const worker = this.#worker;
    this.#worker = null;
    worker?.off('message', this.#answer);
    worker?.unref();
    const unanswered = this.#sent.splice(0).flatMap((batch) => batch.requests);
    for (const request of unanswered) this.#viaFallback(request);
  }

  #viaFallback(request: Request): void {
    this.#fallback(request.path).then(request.resolve, request.reject);
  }
}
