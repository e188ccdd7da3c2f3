/** Where a command writes. The bin passes the process streams; tests pass collectors. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** The process's own streams. */
export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Exit codes: 0 success, 1 a failure while running, 2 a usage error (bad command, option or value). */
export const EXIT = Object.freeze({ ok: 0, failure: 1, usage: 2 } as const);

/** A mistake in the command line; printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  /** The command whose help to point at, or null for the top level. */
  readonly command: string | null;

  constructor(message: string, command: string | null = null) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/**
 * `--json`, the same on every command: the parseArgs option to spread into a command's options,
 * and its line of help.
 */
export const JSON_OPTION = Object.freeze({ json: { type: 'boolean' } } as const);
export const JSON_HELP = '      --json        print the result as JSON (errors too, on stderr)';

/**
 * Prints a command's result: `data` as JSON when `json` is set, the text `text()` makes
 * otherwise. Every command reports through here, so the JSON of one looks like the JSON of all.
 *
 * @example
 * report(io, values.json === true, { live: 3 }, () => `3 live session(s)\n`);
 */
export function report(io: CliIo, json: boolean, data: unknown, text: () => string): void {
  io.stdout(json ? `${JSON.stringify(data, null, 2)}\n` : text());
}

/** Whether the command line asked for JSON (also read before parsing, to format an early error). */
export function wantsJson(argv: readonly string[]): boolean {
  return argv.includes('--json');
}
