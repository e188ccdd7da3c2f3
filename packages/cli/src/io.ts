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
