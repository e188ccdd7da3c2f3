import { createHmac, hash } from 'node:crypto';
import { createMemoryStore, createSessionManager } from '@sessionkit/core';
import { SECRET, seedData } from '../http/variants';
import type { Profile } from '../profile';

export interface CoreCostRow {
  name: string;
  /** µs of process CPU (all threads) per operation, one per round. */
  cpu: number[];
}

/**
 * Where sessionkit's CPU per request goes, measured in-process without HTTP: a read and a write
 * through SessionManager on the memory store, the same read with hashIds off (no SHA-256 of the
 * ID), and the hashing primitives core calls on Node (node:crypto) and elsewhere (Web Crypto).
 */
export async function runCoreCosts(profile: Profile, log: (line: string) => void): Promise<CoreCostRow[]> {
  const manager = async (hashIds: boolean) => {
    const m = createSessionManager({
      store: createMemoryStore(),
      secrets: [SECRET],
      cookie: { secure: false },
      hashIds,
    });
    const s = await m.load(undefined);
    for (const [key, value] of Object.entries(seedData(1))) s.set(key, value);
    s.setOwner('user-000001');
    const cookie = (await m.commit(s))?.split(';')[0] ?? '';
    return { m, cookie };
  };
  const hashed = await manager(true);
  const plain = await manager(false);
  const subtle = globalThis.crypto.subtle;
  const hmacKey = await subtle.importKey(
    'raw',
    new TextEncoder().encode(SECRET),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  const id = new TextEncoder().encode('vurBLKO6lfh1BD0GTcBVEm2rS9rm82_n');
  const tag = new Uint8Array(await subtle.sign('HMAC', hmacKey, id));
  let n = 0;
  const read = async () => {
    const s = await hashed.m.load(hashed.cookie);
    s.get('user');
    await hashed.m.commit(s);
  };
  const write = async () => {
    const s = await hashed.m.load(hashed.cookie);
    s.set('n', ++n);
    await hashed.m.commit(s);
  };
  const cases: Array<[string, () => Promise<unknown> | unknown]> = [
    ['SessionManager read (load + commit), memory store', read],
    [
      '  same, hashIds: false (no SHA-256 of the ID)',
      async () => {
        const s = await plain.m.load(plain.cookie);
        s.get('user');
        await plain.m.commit(s);
      },
    ],
    ['SessionManager write (load + set + commit), memory store', write],
    // Core hashes the ID and checks the cookie's HMAC on every request: with node:crypto on Node,
    // with Web Crypto where node:crypto is missing (edge runtimes). Both paths, side by side.
    ['node:crypto hash sha256 (core on Node: storage key)', () => hash('sha256', id)],
    [
      'node:crypto createHmac sha256 (core on Node: cookie check)',
      () => createHmac('sha256', SECRET).update(id).digest(),
    ],
    ['Web Crypto digest SHA-256 (core elsewhere: storage key)', () => subtle.digest('SHA-256', id)],
    [
      'Web Crypto verify HMAC-SHA-256 (core elsewhere: cookie check)',
      () => subtle.verify('HMAC', hmacKey, tag, id),
    ],
  ];
  const rows: CoreCostRow[] = cases.map(([name]) => ({ name, cpu: [] }));
  const windowMs = profile.payload.windowMs * 2;
  for (let round = 0; round < profile.payload.rounds; round++) {
    for (let i = 0; i < cases.length; i++) {
      const index = (i + round) % cases.length;
      const [, op] = cases[index] as (typeof cases)[number];
      const cpuStart = process.cpuUsage();
      const started = performance.now();
      let ops = 0;
      while (performance.now() - started < windowMs) {
        await op();
        ops++;
      }
      const cpu = process.cpuUsage(cpuStart);
      rows[index]?.cpu.push((cpu.user + cpu.system) / ops);
    }
  }
  for (const row of rows) {
    const sorted = [...row.cpu].sort((a, b) => a - b);
    log(`  ${row.name}: ${(sorted[sorted.length >> 1] ?? 0).toFixed(1)} µs CPU/op`);
  }
  return rows;
}
