import type { MachineNotes } from './lib/machine';
import type { CommandsResult } from './sections/commands';
import type { CoreCostRow } from './sections/core-costs';
import type { CellResult, GroupResult } from './sections/http-throughput';
import type { LostUpdateRow } from './sections/lost-updates';
import type { MemoryChildResult } from './sections/memory-child';
import type { PayloadRow } from './sections/payload';
import type { StoreLevelRow } from './sections/store-level';

/** Everything one run measured, saved as JSON next to the Markdown report made from it. */
export interface BenchResults {
  profile: 'full' | 'quick';
  command: string;
  startedAt: string;
  finishedAt: string;
  /** Git commit of the code measured, and whether the working tree had changes. */
  commit: string;
  machine: MachineNotes;
  loadAtEnd: number[];
  versions: Record<string, string>;
  settings: Record<string, unknown>;
  /** Sections left out, with the reason. */
  skipped: string[];
  commands?: CommandsResult;
  lostUpdates?: LostUpdateRow[];
  throughput?: GroupResult[];
  storeLevel?: StoreLevelRow[];
  payload?: PayloadRow[];
  memory?: MemoryChildResult[];
  coreCosts?: CoreCostRow[];
}

/** The measurements of one variant in one scenario, if the group has them. */
export function cellOf(group: GroupResult, variant: string, scenario: string): CellResult | undefined {
  return group.cells.find((c) => c.variant === variant && c.scenario === scenario);
}
