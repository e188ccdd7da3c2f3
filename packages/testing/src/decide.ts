/**
 * The provisioning decision, kept free of I/O (the runtime probe is injected) so every branch has
 * a unit test.
 */
import { BACKEND_ENV, type Backend } from './backends';
import type { RuntimeProbe } from './runtime-probe';

/** How a backend will be provided to a test file. */
export type Decision =
  | { kind: 'url'; url: string /** The variable it came from. */; source: string }
  | { kind: 'container' /** The runtime endpoint in DOCKER_HOST form. */; dockerHost: string; via: string }
  | { kind: 'private'; url: string }
  | { kind: 'unavailable'; reason: string };

/** Inputs of {@link decideProvisioning}. */
export interface DecideInput {
  env: Readonly<Record<string, string | undefined>>;
  /** Called only when no URL is set. */
  probe: () => Promise<RuntimeProbe>;
  /**
   * The private server from the machine's binaries (started by the run on the first request), or
   * why there is none. Called only when neither a URL nor a usable container runtime is there.
   * @default () => ({ reason: 'no private server was started' })
   */
  privateServer?: () => PrivateServerLookup | Promise<PrivateServerLookup>;
}

/** A private server's URL, or the reason there is none. */
export type PrivateServerLookup = { url: string } | { reason: string };

/** Multi-node Redis topologies that announce 127.0.0.1, so they only work with a local engine. */
const LOCAL_ENGINE_ONLY: ReadonlySet<Backend> = new Set(['redis-cluster', 'redis-sentinel']);

/**
 * `SESSIONKIT_<BACKEND>_URL` wins; otherwise a container when a runtime answers; otherwise the
 * private server started from the machine's binaries; otherwise unavailable, with a reason that
 * names the backend and everything that was missing.
 */
export async function decideProvisioning(backend: Backend, input: DecideInput): Promise<Decision> {
  const variable = BACKEND_ENV[backend];
  const url = input.env[variable]?.trim();
  if (url) return { kind: 'url', url, source: variable };

  const probe = await input.probe();
  let noContainer: string;
  if (!probe.found) {
    noContainer = `no container runtime answered (${probe.tried.join(', ')})`;
  } else if (LOCAL_ENGINE_ONLY.has(backend) && !isLocalEngine(probe.dockerHost)) {
    noContainer =
      `the container runtime at ${probe.dockerHost} is not local ` +
      '(the containerised topology announces 127.0.0.1 to its clients)';
  } else {
    return { kind: 'container', dockerHost: probe.dockerHost, via: probe.via };
  }

  const privateServer = (await input.privateServer?.()) ?? { reason: 'no private server was started' };
  if ('url' in privateServer) return { kind: 'private', url: privateServer.url };
  return {
    kind: 'unavailable',
    reason: `${backend}: ${variable} is not set, ${noContainer}, and ${privateServer.reason}`,
  };
}

/** Unix sockets and loopback TCP reach an engine whose published ports appear on 127.0.0.1. */
export function isLocalEngine(dockerHost: string): boolean {
  if (dockerHost.startsWith('unix://') || dockerHost.startsWith('npipe://')) return true;
  return /^(?:tcp|http|https):\/\/(?:localhost|127\.\d+\.\d+\.\d+|\[::1\])(?::\d+)?\/?$/.test(dockerHost);
}
