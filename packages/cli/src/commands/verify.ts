import {
  formatVerifyReport,
  isSessionError,
  type SessionVerifyError,
  type VerifyReport,
} from '@sessionkit/core';
import { EXIT } from '../io';
import { storeCommand } from './store-command';

/**
 * `sessionkit verify`: the store's own verify() (see the core README), as an operator runs it
 * before a deploy or from a readiness check. Exit 0 when nothing is wrong (warnings included),
 * 1 when a problem was found, each one printed with its fix.
 */
export const verifyCommand = storeCommand({
  name: 'verify',
  summary: 'check that the store can work: server, credentials, table, write access, expiry, clock',
  usage: 'verify [--store URL] [--json] [--max-clock-skew MS]',
  description: `Checks the store the way the app will use it, and prints every problem with its fix:
the server answers within the time limit, the credentials work, the table (collection, directory)
exists with every column it needs, a probe record can be written and deleted (a read-only user is
found here), expired sessions are removed (TTL index, prune timer or native expiry), and the
server's clock is within --max-clock-skew of this machine's. Exits 1 on any problem.`,
  options: {
    json: { type: 'boolean' },
    'max-clock-skew': { type: 'string' },
    timeout: { type: 'string' },
  },
  optionHelp: `  --json                print the report as JSON (the same fields as VerifyReport)
  --max-clock-skew MS   the largest clock skew that passes (default: 5000)
  --timeout MS          time limit of each round trip (default: 5000)`,
  async run({ store, values, io }) {
    const numeric = (name: string): number | undefined => {
      const given = values[name];
      if (given === undefined) return undefined;
      const value = Number(given);
      if (!Number.isInteger(value) || value <= 0)
        throw new Error(`--${name} must be a positive whole number of milliseconds.`);
      return value;
    };
    const options = {
      ...(numeric('max-clock-skew') === undefined ? {} : { maxClockSkew: numeric('max-clock-skew') }),
      ...(numeric('timeout') === undefined ? {} : { timeout: numeric('timeout') }),
    };
    let report: VerifyReport;
    if (!store.capabilities.verify || !store.verify) {
      throw new Error(`the store (${store.description}) declares no verify(); upgrade its package.`);
    }
    try {
      report = await store.verify(options);
    } catch (error) {
      if (!isSessionError(error, 'SESSION_VERIFY_FAILED')) throw error;
      report = (error as SessionVerifyError).report;
    }
    io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatVerifyReport(report)}\n`);
    return report.ok ? EXIT.ok : EXIT.failure;
  },
});
