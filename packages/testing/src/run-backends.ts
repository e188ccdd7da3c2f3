/**
 * What the root vitest globalSetup does once per run: decide, per backend, where its server comes
 * from (URL, container, private, or nowhere), start the containers and private servers as the
 * test files ask for them, one per backend for the whole run (through a broker whose socket the
 * forked workers find in their inherited environment), and stop them at the end.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BACKENDS, type Backend } from './backends';
import { type StartedBackend, startBackendContainer, useDockerHost } from './containers';
import { decideProvisioning } from './decide';
import {
  privateBackendUnavailable,
  type RunningPrivateBackend,
  startPrivateBackend,
} from './private-backends';
import { PRIVATE_BROKER_ENV, startPrivateBroker } from './private-broker';
import { probeContainerRuntime, type RuntimeProbe } from './runtime-probe';

/** Where one backend's server comes from in this run. */
export interface BackendOrigin {
  backend: Backend;
  source: 'url' | 'container' | 'private' | 'unavailable';
  /** The variable and address, the runtime, the private server's ports and PIDs, or the reason. */
  detail: string;
}

/** The outcome of {@link startRunBackends}. */
export interface RunBackends {
  origins: BackendOrigin[];
  /** Stops every private server this run started. Never throws; returns the failures. */
  stop(): Promise<string[]>;
  /** Starts the private server of `backend` (once per run) and resolves its URL: what the broker calls. */
  ensure(backend: Backend): Promise<string>;
}

// decideProvisioning picks 'private' only when a private server is possible; this placeholder
// stands for the URL of the server that starts when a test file first asks for it.
const ON_DEMAND = 'private://on-demand';

/** `url (local port 6379)` for a URL on this machine, so the summary says which server it is. */
function describeUrl(variable: string, url: string): string {
  const local = /^[a-z+]+:\/\/(?:[^@/]*@)?(?:127\.0\.0\.1|localhost|\[::1\]):(\d+)/.exec(url);
  return `${variable}=${redact(url)}${local ? ` (local port ${local[1]})` : ''}`;
}

/** A URL with its password replaced by `***`. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/**
 * Decides every backend in the documented order and starts a broker for the ones whose server
 * will be private (private-broker.ts): each such server starts when the first test file asks for
 * it, so a run that needs none starts none. A private server whose binaries exist but which fails
 * to start fails the test files that asked for it, with the server's output: something on the
 * machine is broken, and a skip would hide it.
 */
export async function startRunBackends(
  options: {
    /** Read for URLs; the broker's socket is written into it. @default process.env */
    env?: Record<string, string | undefined>;
    probe?: () => Promise<RuntimeProbe>;
    /** Where the origins are written as JSON for the CI summary (again after each start). */
    reportFile?: string;
    /** Why no private server of a backend is possible here, or null. @default privateBackendUnavailable */
    privateUnavailable?: (backend: Backend) => string | null;
    /** Starts one private server. @default startPrivateBackend */
    startPrivate?: (backend: Backend) => Promise<RunningPrivateBackend>;
    /** Starts one backend's container for the run. @default startBackendContainer */
    startContainer?: (backend: Backend) => Promise<StartedBackend>;
  } = {},
): Promise<RunBackends> {
  const env = options.env ?? process.env;
  let probed: Promise<RuntimeProbe> | undefined;
  const probe = options.probe ?? (() => (probed ??= probeContainerRuntime({ env })));
  const privateUnavailable = options.privateUnavailable ?? privateBackendUnavailable;
  const startPrivate = options.startPrivate ?? startPrivateBackend;
  const startContainer = options.startContainer ?? startBackendContainer;

  const origins: BackendOrigin[] = [];
  // Started on a test file's first request, one per backend for the run, shared by URL.
  const onDemand = new Map<Backend, () => Promise<RunningPrivateBackend>>();
  for (const backend of BACKENDS) {
    const decision = await decideProvisioning(backend, {
      env,
      probe,
      privateServer: () => {
        const missing = privateUnavailable(backend);
        return missing === null ? { url: ON_DEMAND } : { reason: `no private server (${missing})` };
      },
    });
    if (decision.kind === 'url') {
      origins.push({ backend, source: 'url', detail: describeUrl(decision.source, decision.url) });
    } else if (decision.kind === 'container') {
      const { dockerHost, via } = decision;
      onDemand.set(backend, async () => {
        useDockerHost(dockerHost);
        const container = await startContainer(backend);
        return {
          url: container.url,
          where: `one container for the run at ${redact(container.url)}, via ${via}`,
          stop: container.stop,
        };
      });
      origins.push({
        backend,
        source: 'container',
        detail: `not started: no test file of this run asked for it (via ${via})`,
      });
    } else if (decision.kind === 'unavailable') {
      origins.push({ backend, source: 'unavailable', detail: decision.reason });
    } else {
      onDemand.set(backend, () => startPrivate(backend));
      origins.push({
        backend,
        source: 'private',
        detail: 'not started: no test file of this run asked for it',
      });
    }
  }
  const report = () => {
    if (!options.reportFile) return;
    mkdirSync(dirname(options.reportFile), { recursive: true });
    writeFileSync(options.reportFile, `${JSON.stringify(origins, null, 2)}\n`);
  };
  const setDetail = (backend: Backend, detail: string) => {
    const origin = origins.find((o) => o.backend === backend);
    if (origin) origin.detail = detail;
    report();
  };

  const starts = new Map<Backend, Promise<RunningPrivateBackend>>();
  const ensure = (backend: Backend): Promise<string> => {
    const start = onDemand.get(backend);
    if (!start) {
      return Promise.reject(
        new Error(`${backend} is not provided by the run (no container or private server)`),
      );
    }
    let started = starts.get(backend);
    if (!started) {
      const what =
        origins.find((o) => o.backend === backend)?.source === 'container'
          ? 'the container runtime answered but the container did not start'
          : 'the server binaries are installed but the private server did not start';
      started = start().then(
        (server) => {
          setDetail(backend, server.where);
          return server;
        },
        (error: Error) => {
          const message = `${backend}: ${what}: ${error.message}`;
          setDetail(backend, `failed to start: ${error.message}`);
          throw new Error(message);
        },
      );
      starts.set(backend, started);
    }
    return started.then((server) => server.url);
  };

  const broker = onDemand.size > 0 ? await startPrivateBroker(ensure) : undefined;
  if (broker) env[PRIVATE_BROKER_ENV] = broker.socket;
  report();

  const stop = async () => {
    await broker?.close();
    if (broker && env[PRIVATE_BROKER_ENV] === broker.socket) delete env[PRIVATE_BROKER_ENV];
    // A start still in flight is awaited, so its server is stopped too.
    const running = await Promise.allSettled(starts.values());
    const results = await Promise.allSettled(
      running.flatMap((r) => (r.status === 'fulfilled' ? [r.value.stop()] : [])),
    );
    return results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
  };
  return { origins, stop, ensure };
}
