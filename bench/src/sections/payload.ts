import { randomBytes } from 'node:crypto';
import { createEnvelope, type Envelope, type EnvelopeOptions } from '@sessionkit/core';
import { realisticSession } from '../lib/session-data';
import type { Profile } from '../profile';

export interface PayloadRow {
  size: string;
  /** Bytes of JSON.stringify of the session data: what express-session & co. store. */
  jsonBytes: number;
  variant: string;
  sealedBytes: number;
  /** µs of CPU per seal / open (all threads: Web Crypto and zlib run off the main thread). */
  sealCpu: number[];
  openCpu: number[];
  sealOpsPerSec: number[];
  openOpsPerSec: number[];
}

const SIZES: Array<[string, number]> = [
  ['200 B', 200],
  ['2 KB', 2048],
  ['50 KB', 50 * 1024],
];

function variants(): Array<[string, EnvelopeOptions | 'json']> {
  const keys = [{ id: 'k1', key: new Uint8Array(randomBytes(32)) }];
  return [
    ['JSON.stringify/parse (reference)', 'json'],
    ['plain', { compression: false }],
    ['gzip (default, > 1 KiB)', { compression: { algorithm: 'gzip', threshold: 1024 } }],
    ['brotli (> 1 KiB)', { compression: { algorithm: 'brotli', threshold: 1024 } }],
    ['AES-256-GCM', { compression: false, encryption: { keys } }],
    ['gzip + AES-256-GCM', { compression: { algorithm: 'gzip', threshold: 1024 }, encryption: { keys } }],
  ];
}

/** Runs `op` back to back for `ms`; returns µs of process CPU per op and ops per second. */
async function timed(ms: number, op: () => unknown): Promise<{ cpu: number; opsPerSec: number }> {
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  let n = 0;
  while (performance.now() - started < ms) {
    await op();
    n++;
  }
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  return { cpu: (cpu.user + cpu.system) / n, opsPerSec: (n / elapsed) * 1000 };
}

/** Envelope seal/open cost and sealed size for each size and setting, in rotating order. */
export async function runPayload(profile: Profile, log: (line: string) => void): Promise<PayloadRow[]> {
  const { windowMs, rounds } = profile.payload;
  const rows: PayloadRow[] = [];
  for (const [size, bytes] of SIZES) {
    const data = realisticSession(bytes);
    const body = { c: Date.now(), d: data, f: {} };
    const jsonBytes = Buffer.byteLength(JSON.stringify(data));
    const cases = variants().map(([variant, options]) => {
      const envelope: Envelope | null =
        options === 'json' ? null : createEnvelope({ ...options, maxPayloadBytes: 4 * 1024 * 1024 });
      const row: PayloadRow = {
        size,
        jsonBytes,
        variant,
        sealedBytes: 0,
        sealCpu: [],
        openCpu: [],
        sealOpsPerSec: [],
        openOpsPerSec: [],
      };
      return { envelope, row };
    });
    for (const { envelope, row } of cases) {
      row.sealedBytes = envelope
        ? (await envelope.seal(body, 'ctx')).byteLength
        : Buffer.byteLength(JSON.stringify(body));
    }
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < cases.length; i++) {
        const { envelope, row } = cases[(i + round) % cases.length] as (typeof cases)[number];
        const sealed = envelope ? await envelope.seal(body, 'ctx') : JSON.stringify(body);
        const seal = await timed(
          windowMs,
          envelope ? () => envelope.seal(body, 'ctx') : () => JSON.stringify(body),
        );
        const open = await timed(
          windowMs,
          envelope ? () => envelope.open(sealed as Uint8Array, 'ctx') : () => JSON.parse(sealed as string),
        );
        row.sealCpu.push(seal.cpu);
        row.sealOpsPerSec.push(seal.opsPerSec);
        row.openCpu.push(open.cpu);
        row.openOpsPerSec.push(open.opsPerSec);
      }
    }
    for (const { row } of cases) {
      rows.push(row);
      const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? Number.NaN;
      log(
        `  ${size} ${row.variant}: ${row.sealedBytes} B, seal ${med(row.sealCpu).toFixed(1)} µs, open ${med(row.openCpu).toFixed(1)} µs`,
      );
    }
  }
  return rows;
}
