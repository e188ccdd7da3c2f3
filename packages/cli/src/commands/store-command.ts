import { parseArgs } from 'node:util';
import { type ConfiguredStore, createStoreFromConfig, isSessionError } from '@sessionkit/core';
import { type CliIo, EXIT, JSON_HELP, JSON_OPTION, report, UsageError } from '../io';
import type { Command } from './command';

/** Parsed options every store command shares, plus its own. */
export interface StoreCommandContext {
  store: ConfiguredStore;
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  io: CliIo;
  /** Prints the result: `data` as JSON under --json, `text()` otherwise (see io.report). */
  report(data: unknown, text: () => string): void;
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

const STORE_HELP = `  -s, --store URL   the store, e.g. redis://127.0.0.1:6379/0?prefix=app:, postgres://user:pw@host/db?table=sessions,
                    file:///var/lib/app/sessions (an absolute path) (default: the SESSIONKIT_STORE
                    environment variable). An unknown URL parameter is an error. The store must
                    exist: no command creates a directory, table or collection.
${JSON_HELP}
  -h, --help        show this help`;

/**
 * Builds a command that operates on a configured store: parses its options, opens the store
 * (validated before connecting; a missing package gets an install hint), runs, and always closes
 * the store so the process can exit. The store is opened with `mustExist`: an operator command
 * on a mistyped location must fail, not report an empty store it has just created.
 */
export function storeCommand(spec: {
  name: string;
  summary: string;
  usage: string;
  description: string;
  options?: OptionSpec;
  optionHelp?: string;
  run(context: StoreCommandContext): Promise<number>;
}): Command {
  const help = `Usage: sessionkit ${spec.usage}\n\n${spec.description}\n\nOptions:\n${spec.optionHelp ? `${spec.optionHelp}\n` : ''}${STORE_HELP}\n`;
  return {
    name: spec.name,
    summary: spec.summary,
    help,
    async run(args, io) {
      let parsed: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };
      const options: OptionSpec = {
        ...spec.options,
        ...JSON_OPTION,
        store: { type: 'string', short: 's' },
        help: { type: 'boolean', short: 'h' },
      };
      try {
        // Only string options are `multiple` here, so a list is always a list of strings.
        parsed = parseArgs({
          args: dashSafe(args, options),
          allowPositionals: true,
          strict: true,
          options,
        }) as typeof parsed;
      } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error), spec.name);
      }
      if (parsed.values.help) {
        io.stdout(help);
        return EXIT.ok;
      }
      const source = (parsed.values.store as string | undefined) ?? process.env.SESSIONKIT_STORE;
      if (!source) throw new UsageError('no store: pass --store URL or set SESSIONKIT_STORE.', spec.name);
      let store: ConfiguredStore;
      try {
        // Resolved from this package first: the CLI depends on the store packages itself.
        store = await createStoreFromConfig(source, { importModule: importFromCli, mustExist: true });
      } catch (error) {
        if (isSessionError(error, 'SESSION_CONFIG_INVALID')) throw new UsageError(error.message, spec.name);
        throw error;
      }
      try {
        const json = parsed.values.json === true;
        return await spec.run({
          store,
          values: parsed.values,
          positionals: parsed.positionals,
          io,
          report: (data, text) => report(io, json, data, text),
        });
      } finally {
        await store.close();
      }
    },
  };
}

/** Base64url text after a dash: a session ID or storage key, never one of the commands' options. */
const DASHED_ID = /^-[A-Za-z0-9_-]{16,}(?:\.[A-Za-z0-9_.-]+)?$/;

/**
 * Session IDs and storage keys are base64url, so one in 32 starts with "-", which parseArgs would
 * take for an option. Rewrites `args` so that such a token is an argument: the value of a string
 * option written right before it (`--key -Ab…` becomes `--key=-Ab…`, as does `--owner -1`), or
 * else a positional (moved after a `--`). Known options and everything after `--` are left alone.
 */
export function dashSafe(args: readonly string[], options: OptionSpec): string[] {
  const known = new Map<string, OptionSpec[string]>();
  for (const [name, option] of Object.entries(options)) {
    known.set(`--${name}`, option);
    if (option.short) known.set(`-${option.short}`, option);
  }
  const flags: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    const next = args[i + 1];
    if (known.get(arg)?.type === 'string' && next !== undefined && next.startsWith('-') && next !== '--') {
      // parseArgs reads `--long=value` and `-svalue` as an option with its value.
      flags.push(arg.startsWith('--') ? `${arg}=${next}` : `${arg}${next}`);
      i++;
    } else if (!known.has(arg) && DASHED_ID.test(arg)) {
      positionals.push(arg);
    } else {
      flags.push(arg);
    }
  }
  return positionals.length > 0 ? [...flags, '--', ...positionals] : flags;
}

/**
 * Loads store packages from the CLI's own dependencies (it depends on every sessionkit store); a
 * package or driver that is missing becomes core's install hint.
 */
function importFromCli(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ specifier);
}

/** Fails with a clear message when the store lacks an optional operation. */
export function requireCapability(
  store: ConfiguredStore,
  capability: 'count' | 'prune' | 'destroyByOwner' | 'listByOwner' | 'tally',
): void {
  if (!store.capabilities[capability]) {
    const reason = store.unsupportedReason?.(capability);
    throw new Error(reason ?? `the store (${store.description}) does not support ${capability}().`);
  }
}
