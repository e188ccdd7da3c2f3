/**
 * The coalescer's scheduling, on controlled statements: when reads and writes go out alone, when
 * they wait, how a batch answers each of them, and that failures reach exactly the ones they
 * concern. (Against real databases: the "coalesced reads" and "coalesced writes" tests of each
 * SQL store.)
 */
import { describe, expect, test } from 'vitest';
import {
  type CoalescedReads,
  type CoalescedWrites,
  Coalescer,
  coalescingLimit,
  MAX_COALESCED_READS,
  MAX_COALESCED_WRITES,
} from '../src/coalescer';

type Row = Record<string, unknown>;

/** Statements that settle when the test says so, recording what was asked. */
function controlled() {
  const sent: Array<{ keys: string[]; settle: (rows: Row[] | Error) => void }> = [];
  const send = (keys: string[]) =>
    new Promise<Row[]>((resolve, reject) => {
      sent.push({ keys, settle: (rows) => (rows instanceof Error ? reject(rows) : resolve(rows)) });
    });
  const reads = {
    one: async (key: string) => (await send([key]))[0],
    many: (keys: string[]) => send(keys),
    keyOf: (row: Row) => row.key as string,
  };
  return { sent, reads };
}

/** A write of `key` that matches when `matches` is true. */
interface Write {
  key: string;
  matches: boolean;
}

/** Write statements that settle when the test says so: each sent one lists its writes. */
function controlledWrites(refused = (error: unknown) => (error as Error).message === 'refused') {
  const sent: Array<{ writes: Write[]; settle: (outcome?: Error) => void }> = [];
  const send = (writes: Write[]) =>
    new Promise<boolean[]>((resolve, reject) => {
      sent.push({
        writes,
        settle: (outcome) => (outcome ? reject(outcome) : resolve(writes.map((w) => w.matches))),
      });
    });
  const writes: CoalescedWrites<Write> = {
    one: async (write) => (await send([write]))[0] as boolean,
    many: send,
    keyOf: (write) => write.key,
    refused,
  };
  return { sent, writes };
}

const noWrites = controlledWrites().writes;

/** A coalescer over `connections`, reads coalesced, writes too when `writes` is given. */
function makeCoalescer(connections: number, reads: CoalescedReads, writes?: CoalescedWrites<Write>) {
  return new Coalescer<Write>({
    connections,
    coalesceReads: true,
    coalesceWrites: writes !== undefined,
    reads,
    writes: writes ?? noWrites,
  });
}

const row = (key: string): Row => ({ key, value: `of ${key}` });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Coalescer: reads', () => {
  test('reads go out alone while a connection is free; the ones that queue go out together', async () => {
    const { sent, reads } = controlled();
    const coalescer = makeCoalescer(2, reads);
    const first = coalescer.read('a');
    const second = coalescer.read('b');
    expect(sent.map((s) => s.keys)).toEqual([['a'], ['b']]);
    // The pool is full: these wait, 'c' twice (two tabs of one session).
    const waiting = ['c', 'd', 'c', 'e'].map((key) => coalescer.read(key));
    expect(sent).toHaveLength(2);
    sent[0]?.settle([row('a')]);
    await tick();
    expect(sent.map((s) => s.keys)).toEqual([['a'], ['b'], ['c', 'd', 'e']]);
    // 'e' has no row; rows of keys nobody asked for are ignored.
    sent[2]?.settle([row('d'), row('c'), row('zzz')]);
    expect(await Promise.all(waiting)).toEqual([row('c'), row('d'), row('c'), undefined]);
    expect(await first).toEqual(row('a'));
    sent[1]?.settle([]);
    expect(await second).toBeUndefined();
  });

  test('a row answers only the key of exactly its text', async () => {
    const { sent, reads } = controlled();
    const coalescer = makeCoalescer(1, reads);
    const busy = coalescer.read('x');
    const waiting = ['Key', 'other'].map((key) => coalescer.read(key));
    sent[0]?.settle([]);
    await tick();
    // A case-insensitive column would return 'key' for 'Key': it must not answer 'Key'.
    sent[1]?.settle([row('key'), row('other')]);
    expect(await Promise.all(waiting)).toEqual([undefined, row('other')]);
    await busy;
  });

  test('one waiting key goes out as a single read; any statement settling releases the queue', async () => {
    const { sent, reads } = controlled();
    const coalescer = makeCoalescer(1, reads);
    let finishWrite: () => void = () => {};
    const write = coalescer.run(() => new Promise<void>((resolve) => (finishWrite = resolve)));
    const read = coalescer.read('k');
    expect(sent).toHaveLength(0);
    finishWrite();
    await write;
    await tick();
    expect(sent.map((s) => s.keys)).toEqual([['k']]);
    sent[0]?.settle([row('k')]);
    expect(await read).toEqual(row('k'));
  });

  test('a failed batch rejects its reads only, and the coalescer goes on', async () => {
    const { sent, reads } = controlled();
    const coalescer = makeCoalescer(1, reads);
    const busy = coalescer.read('a');
    const failing = ['b', 'c'].map((key) => coalescer.read(key).catch((error: Error) => error.message));
    sent[0]?.settle(new Error('connection lost'));
    await expect(busy).rejects.toThrow('connection lost');
    await tick();
    const later = coalescer.read('d'); // queued behind the batch
    sent[1]?.settle(new Error('batch failed'));
    expect(await Promise.all(failing)).toEqual(['batch failed', 'batch failed']);
    await tick();
    sent[2]?.settle([row('d')]);
    expect(await later).toEqual(row('d'));
    // A statement that throws before returning a promise is not left counted as in flight.
    expect(() =>
      coalescer.run(() => {
        throw new Error('bad statement');
      }),
    ).toThrow('bad statement');
    const alone = coalescer.read('e');
    expect(sent.at(-1)?.keys).toEqual(['e']);
    sent.at(-1)?.settle([row('e')]);
    expect(await alone).toEqual(row('e'));
  });

  test(`a batch asks for at most ${MAX_COALESCED_READS} keys; the rest go with the next`, async () => {
    const { sent, reads } = controlled();
    const coalescer = makeCoalescer(1, reads);
    const busy = coalescer.read('first');
    const keys = Array.from({ length: 250 }, (_, i) => `k${i}`);
    const waiting = keys.map((key) => coalescer.read(key));
    for (let i = 0; i < 4; i++) {
      const current = sent[i];
      current?.settle((current?.keys ?? []).map(row));
      await tick();
    }
    expect(sent.slice(1).map((s) => s.keys.length)).toEqual([100, 100, 50]);
    expect(sent.slice(1).flatMap((s) => s.keys)).toEqual(keys);
    expect(await Promise.all(waiting)).toEqual(keys.map(row));
    await busy;
  });

  test('without a known pool size every read goes out at once', async () => {
    const { sent, reads } = controlled();
    const coalescer = makeCoalescer(Number.POSITIVE_INFINITY, reads);
    const all = Array.from({ length: 20 }, (_, i) => coalescer.read(`k${i}`));
    expect(sent).toHaveLength(20);
    for (const s of sent) s.settle(s.keys.map(row));
    expect(await Promise.all(all)).toHaveLength(20);
  });

  test('without a limit a statement runs as it is: no counting, no promise layer', async () => {
    const { reads } = controlled();
    const statement = Promise.resolve('done');
    expect(makeCoalescer(Number.POSITIVE_INFINITY, reads).run(() => statement)).toBe(statement);
    expect(makeCoalescer(2, reads).run(() => statement)).not.toBe(statement);
  });
});

describe('Coalescer: writes', () => {
  const w = (key: string, matches = true): Write => ({ key, matches });

  test('writes go out alone while a connection is free; the ones that queue go out together, in key order', async () => {
    const { sent: reads, reads: readHandler } = controlled();
    const { sent, writes } = controlledWrites();
    const c = makeCoalescer(1, readHandler, writes);
    const first = c.write(w('m'));
    expect(sent.map((s) => s.writes)).toEqual([[w('m')]]);
    // The pool is full: these wait; 'a' does not match its version (a conflict).
    const waiting = [w('z'), w('a', false), w('k')].map((write) => c.write(write));
    expect(sent).toHaveLength(1);
    sent[0]?.settle();
    expect(await first).toBe(true);
    await tick();
    expect(sent[1]?.writes).toEqual([w('a', false), w('k'), w('z')]);
    sent[1]?.settle();
    expect(await Promise.all(waiting)).toEqual([true, false, true]);
    expect(reads).toHaveLength(0);
  });

  test('two writes of one key never share a statement: the second goes with a later one', async () => {
    const { reads } = controlled();
    const { sent, writes } = controlledWrites();
    const c = makeCoalescer(1, reads, writes);
    const busy = c.write(w('x'));
    const waiting = [w('s'), w('t'), w('s', false), w('u')].map((write) => c.write(write));
    sent[0]?.settle();
    await busy;
    await tick();
    expect(sent[1]?.writes).toEqual([w('s'), w('t'), w('u')]);
    sent[1]?.settle();
    await tick();
    // Alone, since nothing else waits.
    expect(sent[2]?.writes).toEqual([w('s', false)]);
    sent[2]?.settle();
    expect(await Promise.all(waiting)).toEqual([true, true, false, true]);
  });

  test('a statement the database refused is sent again write by write: only the one at fault fails', async () => {
    const { reads } = controlled();
    const { sent, writes } = controlledWrites();
    const c = makeCoalescer(1, reads, writes);
    const busy = c.write(w('first'));
    const waiting = ['a', 'b', 'c'].map((key) => c.write(w(key)).catch((error: Error) => error.message));
    sent[0]?.settle();
    await busy;
    await tick();
    sent[1]?.settle(new Error('refused'));
    await tick();
    expect(sent.slice(2).map((s) => s.writes)).toEqual([[w('a')], [w('b')], [w('c')]]);
    sent[2]?.settle();
    sent[3]?.settle(new Error('value too long for owner_id'));
    sent[4]?.settle();
    expect(await Promise.all(waiting)).toEqual([true, 'value too long for owner_id', true]);
  });

  test('any other failure (a lost connection: the statement may have committed) fails every write, none sent again', async () => {
    const { reads } = controlled();
    const { sent, writes } = controlledWrites();
    const c = makeCoalescer(1, reads, writes);
    const busy = c.write(w('first'));
    const waiting = ['a', 'b'].map((key) => c.write(w(key)).catch((error: Error) => error.message));
    sent[0]?.settle();
    await busy;
    await tick();
    sent[1]?.settle(new Error('connection lost'));
    expect(await Promise.all(waiting)).toEqual(['connection lost', 'connection lost']);
    await tick();
    expect(sent).toHaveLength(2);
  });

  test('reads and writes that wait go out in turn, the one waiting longest first', async () => {
    const { sent: reads, reads: readHandler } = controlled();
    const { sent, writes } = controlledWrites();
    const c = makeCoalescer(1, readHandler, writes);
    const busy = c.write(w('busy'));
    const write = c.write(w('a'));
    const read = c.read('r');
    sent[0]?.settle();
    await busy;
    await tick();
    // The write waited longer: it takes the freed connection; the read waits for it.
    expect(sent.map((s) => s.writes)).toEqual([[w('busy')], [w('a')]]);
    expect(reads).toHaveLength(0);
    sent[1]?.settle();
    expect(await write).toBe(true);
    await tick();
    expect(reads.map((r) => r.keys)).toEqual([['r']]);
    reads[0]?.settle([row('r')]);
    expect(await read).toEqual(row('r'));
  });

  test(`a statement carries at most ${MAX_COALESCED_WRITES} writes; the rest go with the next`, async () => {
    const { reads } = controlled();
    const { sent, writes } = controlledWrites();
    const c = makeCoalescer(1, reads, writes);
    const busy = c.write(w('busy'));
    const keys = Array.from({ length: 120 }, (_, i) => `k${String(i).padStart(3, '0')}`);
    const waiting = keys.map((key) => c.write(w(key)));
    for (let i = 0; i < 4; i++) {
      sent[i]?.settle();
      await tick();
    }
    expect(sent.slice(1).map((s) => s.writes.length)).toEqual([50, 50, 20]);
    expect(sent.slice(1).flatMap((s) => s.writes.map((write) => write.key))).toEqual(keys);
    expect(await Promise.all(waiting)).toEqual(keys.map(() => true));
    await busy;
  });

  test('with coalesceWrites off, writes go out at once however busy the pool; reads still wait', async () => {
    const { sent: reads, reads: readHandler } = controlled();
    const { sent, writes } = controlledWrites();
    const c = new Coalescer<Write>({
      connections: 1,
      coalesceReads: true,
      coalesceWrites: false,
      reads: readHandler,
      writes,
    });
    const all = ['a', 'b', 'c'].map((key) => c.write(w(key)));
    expect(sent).toHaveLength(3);
    const read = c.read('r');
    expect(reads).toHaveLength(0);
    for (const s of sent) s.settle();
    expect(await Promise.all(all)).toEqual([true, true, true]);
    await tick();
    reads[0]?.settle([row('r')]);
    expect(await read).toEqual(row('r'));
  });

  test('with coalesceReads off, reads go out at once while writes wait', async () => {
    const { sent: reads, reads: readHandler } = controlled();
    const { sent, writes } = controlledWrites();
    const c = new Coalescer<Write>({
      connections: 1,
      coalesceReads: false,
      coalesceWrites: true,
      reads: readHandler,
      writes,
    });
    const busy = c.write(w('busy'));
    const write = c.write(w('a'));
    const read = c.read('r');
    expect(reads.map((r) => r.keys)).toEqual([['r']]);
    expect(sent).toHaveLength(1);
    reads[0]?.settle([row('r')]);
    expect(await read).toEqual(row('r'));
    // The read's settling freed nothing for the write: 'busy' still holds the one connection.
    await tick();
    expect(sent).toHaveLength(1);
    sent[0]?.settle();
    await busy;
    await tick();
    sent[1]?.settle();
    expect(await write).toBe(true);
  });
});

describe('coalescingLimit', () => {
  test("the pool's connection limit when it is a whole number ≥ 1", () => {
    expect(coalescingLimit(10)).toBe(10);
    expect(coalescingLimit(1)).toBe(1);
  });

  test.each([0, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY, '10', null, undefined, {}])(
    'Infinity (every statement alone) for a pool that reports %s',
    (connections) => {
      expect(coalescingLimit(connections)).toBe(Number.POSITIVE_INFINITY);
    },
  );
});
