/**
 * Finds out whether a container engine actually answers. A `docker` CLI on the PATH proves
 * nothing (this project's CI image ships the client without an engine), so the probe talks to the
 * engine's API: `GET /_ping` on DOCKER_HOST or on the usual Docker and Podman sockets.
 */
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';

/** What {@link probeContainerRuntime} found. */
export type RuntimeProbe =
  | {
      found: true;
      /** Human-readable: which endpoint answered. */
      via: string;
      /** The endpoint in DOCKER_HOST form (`unix:///var/run/docker.sock`, `tcp://host:2375`). */
      dockerHost: string;
    }
  | {
      found: false;
      /** One short phrase per thing that was tried, for the skip reason. */
      tried: string[];
    };

/** Options of {@link probeContainerRuntime}. */
export interface ProbeOptions {
  /** @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Socket paths to try when DOCKER_HOST is unset. @default the Docker, rootless Docker and Podman sockets */
  sockets?: readonly string[];
  /** Per-endpoint ping timeout. @default 1000 */
  timeoutMs?: number;
}

/** The socket paths Docker, rootless Docker, Docker Desktop and Podman use on Linux and macOS. */
export function defaultSocketPaths(env: Readonly<Record<string, string | undefined>>): string[] {
  let uid: number | undefined;
  try {
    uid = userInfo().uid;
  } catch {
    uid = undefined;
  }
  const runtimeDir = env.XDG_RUNTIME_DIR;
  const paths = [
    '/var/run/docker.sock',
    runtimeDir ? join(runtimeDir, 'docker.sock') : undefined,
    join(homedir(), '.docker', 'run', 'docker.sock'),
    join(homedir(), '.docker', 'desktop', 'docker.sock'),
    uid === undefined || uid < 0 ? undefined : `/run/user/${uid}/docker.sock`,
    runtimeDir ? join(runtimeDir, 'podman', 'podman.sock') : undefined,
    '/run/podman/podman.sock',
    uid === undefined || uid < 0 ? undefined : `/run/user/${uid}/podman/podman.sock`,
  ];
  return [...new Set(paths.filter((p): p is string => p !== undefined))];
}

/**
 * Pings DOCKER_HOST when it is set (and only it: testcontainers would use it and nothing else),
 * otherwise each known socket in turn. Never throws.
 */
export async function probeContainerRuntime(options: ProbeOptions = {}): Promise<RuntimeProbe> {
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? 1000;
  const dockerHost = env.DOCKER_HOST?.trim();

  if (dockerHost) {
    // TLS and SSH endpoints need credentials this probe does not handle; an explicit DOCKER_HOST
    // of that kind is trusted and testcontainers reports its own errors.
    if (/^(ssh|npipe|https):/.test(dockerHost) || (env.DOCKER_TLS_VERIFY ?? '') !== '') {
      return { found: true, via: `DOCKER_HOST=${dockerHost}`, dockerHost };
    }
    const target = parseDockerHost(dockerHost);
    if (target === null)
      return { found: false, tried: [`DOCKER_HOST=${dockerHost} is not a unix:// or tcp:// URL`] };
    const error = await ping(target, timeoutMs);
    return error === null
      ? { found: true, via: `DOCKER_HOST=${dockerHost}`, dockerHost }
      : { found: false, tried: [`DOCKER_HOST=${dockerHost} did not answer (${error})`] };
  }

  const tried = ['DOCKER_HOST unset'];
  const missing: string[] = [];
  for (const socketPath of options.sockets ?? defaultSocketPaths(env)) {
    if (!existsSync(socketPath)) {
      missing.push(socketPath);
      continue;
    }
    const error = await ping({ socketPath }, timeoutMs);
    if (error === null) return { found: true, via: socketPath, dockerHost: `unix://${socketPath}` };
    tried.push(`${socketPath} did not answer (${error})`);
  }
  // Name the classic socket explicitly (it is what people look for) and summarise the rest.
  if (missing.includes('/var/run/docker.sock')) tried.push('/var/run/docker.sock missing');
  const otherMissing = missing.filter((p) => p !== '/var/run/docker.sock');
  if (otherMissing.length > 0) tried.push(`no rootless Docker or Podman socket (${otherMissing.join(', ')})`);
  return { found: false, tried };
}

type PingTarget = { socketPath: string } | { host: string; port: number };

function parseDockerHost(value: string): PingTarget | null {
  if (value.startsWith('unix://')) return { socketPath: value.slice('unix://'.length) };
  const match = /^(?:tcp|http):\/\/([^:/]+|\[[^\]]+\]):(\d+)\/?$/.exec(value);
  if (match?.[1] && match[2]) return { host: match[1].replace(/^\[|\]$/g, ''), port: Number(match[2]) };
  return null;
}

/** Resolves null when the engine answered `GET /_ping` with 200, otherwise a short error. */
function ping(target: PingTarget, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const req = request({ ...target, path: '/_ping', method: 'GET' }, (res) => {
      res.resume();
      finish(res.statusCode === 200 ? null : `HTTP ${res.statusCode}`);
    });
    const timer = setTimeout(() => finish(`no answer within ${timeoutMs} ms`), timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
    req.end();
  });
}
