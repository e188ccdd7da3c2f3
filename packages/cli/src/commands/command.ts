import type { CliIo } from '../io';

/**
 * One `sessionkit <command>`. New commands (count, prune, revoke, inspect…) implement this and
 * are added to the registry in commands/index.ts; the dispatcher, --help and errors come for free.
 */
export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The full help text of `sessionkit <command> --help`. */
  readonly help: string;
  /** Runs with the arguments after the command name; resolves the exit code. Throws UsageError for bad input. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}
