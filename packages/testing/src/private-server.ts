/**
 * The lifecycle every private database server of the test suites shares: one process on a private
 * port with its data in a private temp directory, crashed and restarted by PID so a fault test can
 * take the backend away under load and bring it back with its data.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { rmSync } from 'node:fs';
import { onExit, pollUntil, spawnTracked, tail, terminate } from './processes';

/** A database server a test run owns: private port, private directory, signalled by its PID only. */
export interface PrivateServer {
  /** 'redis', 'postgres' or 'mariadb'. */
  readonly name: string;
  readonly port: number;
  /** Connection URL for the app nodes. */
  readonly url: string;
  /** The data directory's parent; deleted by {@link PrivateServer.dispose}. */
  readonly dir: string;
  /** PID of the running server process, undefined while it is down. */
  readonly pid: number | undefined;
  /** Whether the server answers a real query right now (never throws). */
  ready(): Promise<boolean>;
  /** Kills the server without a clean shutdown (crash semantics) and waits until it is gone. */
  crash(): Promise<void>;
  /** Starts it again on the same port and data; resolves once it answers queries. */
  start(): Promise<void>;
  /**
   * Starts it again without waiting for it to answer, so a fault test can poll readiness itself
   * and time the recovery from the moment the backend really serves.
   */
  launch(): void;
  /** Stops it for good and deletes its directory. */
  dispose(): Promise<void>;
  /** The end of the server's output, for failure messages. */
  log(): string;
}

/** What differs between backends. */
export interface PrivateServerSpec {
  name: string;
  port: number;
  url: string;
  dir: string;
  command: string;
  args: string[];
  spawnOptions?: SpawnOptions;
  /** The signal that crashes the server (SIGKILL; SIGQUIT is PostgreSQL's immediate shutdown). */
  crashSignal: NodeJS.Signals;
  /** The signal of a clean stop. */
  stopSignal: NodeJS.Signals;
  /** A real query against the server; false (or a rejection) while it is not serving. */
  probe(): Promise<boolean>;
  /** Bound on a (re)start, crash recovery included. @default 60_000 */
  startTimeoutMs?: number;
}

/** Starts the server described by `spec` and resolves once it answers. */
export async function startPrivateServer(spec: PrivateServerSpec): Promise<PrivateServer> {
  let child: ChildProcess | undefined;
  let launchFailure: Error | undefined;
  let output = () => '';
  // The server itself is a tracked child (killed at exit); its directory goes with it.
  const forgetDir = onExit(() => rmSync(spec.dir, { recursive: true, force: true }));

  const ready = async () => {
    try {
      return await spec.probe();
    } catch {
      return false;
    }
  };

  const server: PrivateServer = {
    name: spec.name,
    port: spec.port,
    url: spec.url,
    dir: spec.dir,
    get pid() {
      return child?.pid;
    },
    ready,
    log: () => output(),
    launch() {
      if (child) return;
      const proc = spawnTracked(spec.command, spec.args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        ...spec.spawnOptions,
      });
      child = proc;
      launchFailure = undefined;
      const out = tail(proc.stdout);
      const err = tail(proc.stderr);
      output = () => `${out()}${err()}`;
      proc.once('error', (error) => {
        launchFailure = error;
      });
    },
    async start() {
      server.launch();
      const proc = child as ChildProcess;
      await pollUntil(
        `${spec.name} on 127.0.0.1:${spec.port}`,
        async () => {
          if (launchFailure) throw launchFailure;
          if (proc.exitCode !== null || proc.signalCode !== null) {
            throw new Error(`${spec.name} exited (${proc.exitCode ?? proc.signalCode}):\n${output()}`);
          }
          return ready();
        },
        { timeoutMs: spec.startTimeoutMs ?? 60_000 },
      ).catch((error: unknown) => {
        // Never leave a half-started server behind a failed start.
        proc.kill('SIGKILL');
        if (child === proc) child = undefined;
        // The server's own words say why (a taken port, a bad option, a data directory it refuses).
        const log = output().trim().split('\n').slice(-20).join('\n');
        const message = error instanceof Error ? error.message : String(error);
        if (!log || message.includes(log)) throw error;
        throw new Error(`${message}\n--- end of the ${spec.name} log ---\n${log}`, { cause: error });
      });
    },
    async crash() {
      const proc = child;
      if (!proc) return;
      child = undefined;
      await terminate(proc, spec.crashSignal);
    },
    async dispose() {
      const proc = child;
      child = undefined;
      if (proc) await terminate(proc, spec.stopSignal);
      rmSync(spec.dir, { recursive: true, force: true });
      forgetDir();
    },
  };
  try {
    await server.start();
  } catch (error) {
    rmSync(spec.dir, { recursive: true, force: true });
    forgetDir();
    throw error;
  }
  return server;
}
