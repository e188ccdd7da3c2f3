import { redactSecrets } from '@sessionkit/core';
import { COMMANDS } from './commands/index';
import { type CliIo, EXIT, processIo, UsageError, wantsJson } from './io';

function topHelp(): string {
  const width = Math.max(...[...COMMANDS.keys()].map((name) => name.length));
  const list = [...COMMANDS.values()].map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return [
    'Usage: sessionkit <command> [options]',
    '',
    'Commands:',
    ...list,
    '',
    "Run 'sessionkit <command> --help' for a command's options.",
    '',
  ].join('\n');
}

/**
 * Runs the sessionkit CLI with `argv` (the arguments after the program name) and resolves the
 * exit code: 0 success, 1 a failure, 2 a usage error. Never calls process.exit, so it can be
 * embedded and tested.
 *
 * @example
 * process.exitCode = await runCli(['schema', 'postgres', '--table', 'sessions']);
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(topHelp());
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout(topHelp());
    return EXIT.ok;
  }
  const command = COMMANDS.get(name);
  try {
    if (command === undefined) {
      throw new UsageError(
        `unknown command ${JSON.stringify(name)}; commands: ${[...COMMANDS.keys()].join(', ')}.`,
      );
    }
    return await command.run(rest, io);
  } catch (error) {
    // Messages are redacted where they are made; this is the last line of defence, since a
    // driver may quote a connection string.
    const message = redactSecrets(error instanceof Error ? error.message : String(error));
    if (wantsJson(rest)) {
      const usage = error instanceof UsageError;
      const code = (error as { code?: unknown } | null)?.code;
      const body = { error: { message, usage, ...(typeof code === 'string' ? { code } : {}) } };
      io.stderr(`${JSON.stringify(body)}\n`);
      return usage ? EXIT.usage : EXIT.failure;
    }
    if (error instanceof UsageError) {
      const help = error.command === null ? 'sessionkit --help' : `sessionkit ${error.command} --help`;
      io.stderr(`sessionkit: ${message}\nRun '${help}' for usage.\n`);
      return EXIT.usage;
    }
    io.stderr(`sessionkit: ${message}\n`);
    return EXIT.failure;
  }
}
