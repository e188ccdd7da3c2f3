import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Profile } from '../profile';
import type { MemoryChildResult } from './memory-child';

const CHILD = fileURLToPath(new URL('./memory-child.ts', import.meta.url));
const BENCH_DIR = fileURLToPath(new URL('../../', import.meta.url));

function runChild(sessions: number, mode: 'none' | 'owner' | 'express-session'): Promise<MemoryChildResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', CHILD, String(sessions), mode],
      { cwd: BENCH_DIR, maxBuffer: 1 << 20, timeout: 600_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`memory child failed: ${stderr}`, { cause: error }));
        else resolve(JSON.parse(stdout.trim().split('\n').pop() as string) as MemoryChildResult);
      },
    );
  });
}

/** The memory store at N sessions (1,000,000 in the full run), without and with an owner per session. */
export async function runMemoryStore(
  profile: Profile,
  log: (line: string) => void,
): Promise<MemoryChildResult[]> {
  const results: MemoryChildResult[] = [];
  const modes = profile.quick ? (['none'] as const) : (['none', 'owner', 'express-session'] as const);
  for (const mode of modes) {
    const result = await runChild(profile.memory.sessions, mode);
    results.push(result);
    log(
      `  ${result.store} ${result.sessions} sessions${result.withOwner ? ' with owners' : ''}: ` +
        `${Math.round(result.bytesPerSession)} B/session` +
        (result.store === 'sessionkit'
          ? `, sweep of ${result.sweepOnePercentCount} expired: ${result.sweepOnePercentMs.toFixed(1)} ms, ` +
            `all ${result.sweepAllCount}: ${result.sweepAllMs.toFixed(0)} ms`
          : ''),
    );
  }
  return results;
}
