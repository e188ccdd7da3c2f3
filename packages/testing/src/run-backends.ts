/**
 * What the root vitest globalSetup does once per run: decide, per backend, where its server comes
 * from (URL, container, private, or nowhere), start the private servers, publish their URLs to
 * the workers through the environment (forked workers inherit it), and stop them at the end.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BACKENDS, type Backend } from './backends';
import { decideProvisioning } from './decide';
import {
  privateBackendUnavailable,
  privateEnvName,
  type RunningPrivateBackend,
  startPrivateBackend,
} from './private-backends';
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
}

// decideProvisioning picks 'private' only when a private server is possible; this placeholder
// stands for the URL of the server that is started right after the decision.
const TO_START = 'private://to-be-started';

/** `url (local port 6379)` for a URL on this machine, so the summary says which server it is. */
function describeUrl(variable: string, url: string): string {
  const local = /^[a-z+]+:\/\/(?:[^@/]*@)?(?:127\.0\.0\.1|localhost|\[::1\]):(\d+)/.exec(url);
  const redacted = url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  return `${variable}=${redacted}${local ? ` (local port ${local[1]})` : ''}`;
}

/**
 * Decides every backend in the documented order and starts the private servers in parallel. A
 * private server whose binaries exist but which fails to start rejects the whole setup (after
 * stopping the ones that did start): something on the machine is broken, and a skip would hide it.
 */
export async function startRunBackends(
  options: {
    /** Read for URLs; private servers' URLs are written into it. @default process.env */
    env?: Record<string, string | undefined>;
    probe?: () => Promise<RuntimeProbe>;
    /** Where the origins are written as JSON for the CI summary. */
    reportFile?: string;
  } = {},
): Promise<RunBackends> {
  const env = options.env ?? process.env;
  let probed: Promise<RuntimeProbe> | undefined;
  const probe = options.probe ?? (() => (probed ??= probeContainerRuntime({ env })));

  const origins: BackendOrigin[] = [];
  const toStart: Backend[] = [];
  for (const backend of BACKENDS) {
    const decision = await decideProvisioning(backend, {
      env,
      probe,
      privateServer: () => {
        const missing = privateBackendUnavailable(backend);
        return missing === null ? { url: TO_START } : { reason: `no private server (${missing})` };
      },
    });
    if (decision.kind === 'url') {
      origins.push({ backend, source: 'url', detail: describeUrl(decision.source, decision.url) });
    } else if (decision.kind === 'container') {
      origins.push({
        backend,
        source: 'container',
        detail: `a container per test file, via ${decision.via}`,
      });
    } else if (decision.kind === 'unavailable') {
      origins.push({ backend, source: 'unavailable', detail: decision.reason });
    } else {
      toStart.push(backend);
    }
  }

  const started = await Promise.allSettled(toStart.map((backend) => startPrivateBackend(backend)));
  const running: RunningPrivateBackend[] = [];
  const failures: string[] = [];
  started.forEach((result, i) => {
    const backend = toStart[i] as Backend;
    if (result.status === 'fulfilled') {
      running.push(result.value);
      env[privateEnvName(backend)] = result.value.url;
      origins.push({ backend, source: 'private', detail: result.value.where });
    } else {
      const error = result.reason as Error;
      failures.push(
        `${backend}: the server binaries are installed but the private server did not start: ${error.message}`,
      );
    }
  });

  const stop = async () => {
    const results = await Promise.allSettled(running.map((server) => server.stop()));
    return results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
  };
  if (failures.length > 0) {
    await stop();
    throw new Error(failures.join('\n\n'));
  }
  origins.sort((a, b) => BACKENDS.indexOf(a.backend) - BACKENDS.indexOf(b.backend));
  if (options.reportFile) {
    mkdirSync(dirname(options.reportFile), { recursive: true });
    writeFileSync(options.reportFile, `${JSON.stringify(origins, null, 2)}\n`);
  }
  return { origins, stop };
}
