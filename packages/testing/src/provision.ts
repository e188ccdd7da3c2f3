/**
 * `provision(backend)`: what a test file calls to get a real server, or the reason it cannot
 * have one.
 */
import type { Backend } from './backends';
import { startBackendContainer, useDockerHost } from './containers';
import { type DecideInput, decideProvisioning } from './decide';
import { lookupPrivateServer } from './private-backends';
import { PRIVATE_BROKER_ENV, requestPrivateServer } from './private-broker';
import { probeContainerRuntime } from './runtime-probe';

/** The outcome of {@link provision}. */
export type Provisioned =
  | {
      available: true;
      backend: Backend;
      /** Where the server is; see `BACKEND_ENV` for the URL shapes. */
      url: string;
      /**
       * `env`: from SESSIONKIT_<BACKEND>_URL; `container`: a container, started by the run's
       * globalSetup on the first request and shared by the run (or, outside a run with that
       * globalSetup, for this test file); `private`: started from the machine's binaries for the
       * run (on its first request), shared by the run.
       */
      source: 'env' | 'container' | 'private';
      /** Stops a container started for this test file (a no-op otherwise: the run's globalSetup stops its servers). */
      stop(): Promise<void>;
    }
  | { available: false; backend: Backend; reason: string };

/**
 * Provides a backend: `SESSIONKIT_<BACKEND>_URL` when set, otherwise the run's container when a
 * container runtime answers, otherwise the private server the run's globalSetup started from the
 * machine's binaries (each started on the first request of the run and shared by every test
 * file), otherwise `{ available: false, reason }`.
 * A container or private server that fails to start is an error, not a skip: the runtime or the
 * binaries were there, so something is broken.
 *
 * @example
 * const postgres = await provision('postgres');
 * afterAll(() => (postgres.available ? postgres.stop() : undefined));
 * describe.skipIf(!postgres.available)(suiteTitle('postgres store', postgres), () => { ... });
 */
export async function provision(backend: Backend, input?: Partial<DecideInput>): Promise<Provisioned> {
  const env = input?.env ?? process.env;
  const decision = await decideProvisioning(backend, {
    env,
    probe: input?.probe ?? (() => probeContainerRuntime({ env })),
    privateServer: input?.privateServer ?? (() => lookupPrivateServer(backend, env)),
  });
  switch (decision.kind) {
    case 'url':
      return { available: true, backend, url: decision.url, source: 'env', stop: async () => undefined };
    case 'private':
      return { available: true, backend, url: decision.url, source: 'private', stop: async () => undefined };
    case 'unavailable':
      return { available: false, backend, reason: decision.reason };
    case 'container': {
      // The run's container, shared by every test file: the globalSetup starts it on the first
      // request. A container that fails to start rejects here, with the reason.
      const broker = env[PRIVATE_BROKER_ENV]?.trim();
      if (broker) {
        const url = await requestPrivateServer(broker, backend);
        return { available: true, backend, url, source: 'container', stop: async () => undefined };
      }
      // No run-level broker (a vitest config without the root globalSetup): one for this file.
      useDockerHost(decision.dockerHost);
      try {
        const started = await startBackendContainer(backend);
        return { available: true, backend, url: started.url, source: 'container', stop: started.stop };
      } catch (err) {
        throw new Error(
          `${backend}: the ${decision.via} container runtime answered but the container did not start`,
          {
            cause: err,
          },
        );
      }
    }
  }
}
