import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

/** The 1-minute load average now. The machine is shared, so every measurement records it. */
export function load1(): number {
  return loadavg()[0] ?? Number.NaN;
}

/** Load average at the start and end of one measured window. */
export interface LoadWindow {
  start: number;
  end: number;
}

export interface MachineNotes {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  loadAtStart: number[];
}

export function machineNotes(): MachineNotes {
  let os = `${process.platform} ${process.arch}`;
  try {
    const release = readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]+)"?/m);
    if (release?.[1]) os = `${release[1]} (${os})`;
  } catch {
    // Not Linux: platform and arch are enough.
  }
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os,
    loadAtStart: loadavg(),
  };
}

const benchRoot = fileURLToPath(new URL('../../', import.meta.url));
const requireFromBench = createRequire(`${benchRoot}package.json`);

/** Installed version of a dependency of the bench package, read from its own package.json. */
export function installedVersion(name: string): string {
  try {
    const manifest = requireFromBench(`${name}/package.json`) as { version?: string };
    return manifest.version ?? 'unknown';
  } catch {
    // Packages without "./package.json" in their exports map: walk from the resolved entry point.
    try {
      const entry = requireFromBench.resolve(name);
      const marker = `/node_modules/${name}/`;
      const root = entry.slice(0, entry.lastIndexOf(marker) + marker.length);
      return (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  }
}

/** Version of a package as seen by another package (e.g. the ioredis koa-redis bundles). */
export function nestedVersion(parent: string, name: string): string {
  try {
    const parentManifest = requireFromBench.resolve(`${parent}/package.json`);
    const manifest = createRequire(parentManifest)(`${name}/package.json`) as { version?: string };
    return manifest.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Versions of the database servers, from their binaries. */
export function serverVersion(binary: string, args: string[] = ['--version']): string {
  try {
    return execFileSync(binary, args, { encoding: 'utf8' }).trim().split('\n')[0] ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

/** The packages whose versions the report lists. */
export const REPORTED_PACKAGES = [
  'express',
  'express-session',
  'connect-redis',
  'redis',
  'fastify',
  '@fastify/session',
  '@fastify/cookie',
  'koa',
  'koa-session',
  'koa-redis',
  'ioredis',
  'pg',
  'mysql2',
  'autocannon',
] as const;
