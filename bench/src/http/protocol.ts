/**
 * What the server child (child.ts), the apps it builds (app-*.ts) and the parent (server-handle.ts)
 * agree on, in a file of its own so that the apps need not import the child that imports them.
 */

/** A listening server of one variant. */
export interface ServerApp {
  port: number;
  close(): Promise<void>;
}

/** Messages the parent sends. */
export type ToChild =
  | { type: 'cpu'; id: number }
  | { type: 'close' }
  /** Starts the V8 profiler, or stops it and writes the profile to `file` (src/cpu-breakdown.ts). */
  | { type: 'profile'; id: number; action: 'start' }
  | { type: 'profile'; id: number; action: 'stop'; file: string };
/** Messages the child sends. */
export type FromChild =
  | { type: 'ready'; port: number }
  | { type: 'failed'; error: string }
  | { type: 'cpu'; id: number; user: number; system: number; rss: number }
  | { type: 'profiled'; id: number };
