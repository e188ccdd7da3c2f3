import type { Command } from './command';
import { countCommand } from './count';
import { inspectCommand } from './inspect';
import { listCommand } from './list';
import { pruneCommand } from './prune';
import { revokeCommand } from './revoke';
import { schemaCommand } from './schema';
import { statsCommand } from './stats';
import { verifyCommand } from './verify';

/** Every command, by name. Add new ones here. */
export const COMMANDS: ReadonlyMap<string, Command> = new Map(
  [
    schemaCommand,
    verifyCommand,
    countCommand,
    statsCommand,
    listCommand,
    pruneCommand,
    revokeCommand,
    inspectCommand,
  ].map((command) => [command.name, command]),
);

export type { Command } from './command';
export { type SchemaDialect, schemaCommand, schemaFor } from './schema';
