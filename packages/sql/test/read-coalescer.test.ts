/**
 * The read coalescer's scheduling, on controlled statements: when reads go out alone, when they
 * wait, how a batch answers each waiting read, and that failures reach exactly the reads they
 * concern. (Against real databases: the "coalesced reads" tests of each SQL store.)
 */
import { describe, expect, test } from 'vitest';
import { coalescingLimit, MAX_COALESCED_READS, ReadCoalescer } from '../src/read-coalescer';

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

const row = (key: string): Row => ({ key, value: `of ${key}` });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ReadCoalescer', () => {
  test('reads go out alone while a connection is free; the ones that queue go out together', async () => {
    const { sent, reads } = controlled();
    const coalescer = new ReadCoalescer(2, reads);
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
    const coalescer = new ReadCoalescer(1, reads);
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
    const coalescer = new ReadCoalescer(1, reads);
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
    const coalescer = new ReadCoalescer(1, reads);
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
    const coalescer = new ReadCoalescer(1, reads);
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
    const coalescer = new ReadCoalescer(Number.POSITIVE_INFINITY, reads);
    const all = Array.from({ length: 20 }, (_, i) => coalescer.read(`k${i}`));
    expect(sent).toHaveLength(20);
    for (const s of sent) s.settle(s.keys.map(row));
    expect(await Promise.all(all)).toHaveLength(20);
  });

  test('without a limit a statement runs as it is: no counting, no promise layer', async () => {
    const { reads } = controlled();
    const statement = Promise.resolve('done');
    expect(new ReadCoalescer(Number.POSITIVE_INFINITY, reads).run(() => statement)).toBe(statement);
    expect(new ReadCoalescer(2, reads).run(() => statement)).not.toBe(statement);
  });
});

describe('coalescingLimit', () => {
  test("the pool's connection limit when coalescing is on and it is a whole number ≥ 1", () => {
    expect(coalescingLimit(true, 10)).toBe(10);
    expect(coalescingLimit(true, 1)).toBe(1);
  });

  test.each([0, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY, '10', null, undefined, {}])(
    'Infinity (reads alone) for a pool that reports %s',
    (connections) => {
      expect(coalescingLimit(true, connections)).toBe(Number.POSITIVE_INFINITY);
    },
  );

  test('Infinity when coalescing is off', () => {
    expect(coalescingLimit(false, 10)).toBe(Number.POSITIVE_INFINITY);
  });
});
