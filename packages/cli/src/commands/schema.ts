import { parseArgs } from 'node:util';
import { isSessionError } from '@sessionkit/core';
import { schemaStatements as mssqlStatements } from '@sessionkit/mssql';
import { schemaStatements as mysqlStatements } from '@sessionkit/mysql';
import { schemaStatements as postgresStatements } from '@sessionkit/postgres';
import { joinStatements, type SqlSchemaOptions } from '@sessionkit/sql';
import { EXIT, UsageError } from '../io';
import type { Command } from './command';
import { alterFor, applySchema, mongoIndexCommands, readMapping, type SchemaTarget } from './schema-apply';

/** The SQL dialects whose schema the CLI prints. */
export type SchemaDialect = 'mysql' | 'postgres' | 'mssql';

const STATEMENTS: Readonly<Record<SchemaDialect, (options: SqlSchemaOptions) => string[]>> = {
  mysql: mysqlStatements,
  postgres: postgresStatements,
  mssql: mssqlStatements,
};

/** Other spellings people type, mapped to the dialect. */
const ALIASES: Readonly<Record<string, SchemaTarget>> = {
  mongodb: 'mongodb',
  mongo: 'mongodb',
  mysql: 'mysql',
  mariadb: 'mysql',
  postgres: 'postgres',
  postgresql: 'postgres',
  pg: 'postgres',
  mssql: 'mssql',
  sqlserver: 'mssql',
};

/**
 * The DDL of the session table for a dialect (what `sessionkit schema` prints). Throws a
 * SessionConfigError for an invalid table name.
 *
 * @example
 * schemaFor('postgres', { tableName: 'auth.sessions' });
 */
export function schemaFor(dialect: SchemaDialect, options: SqlSchemaOptions = {}): string {
  return joinStatements(STATEMENTS[dialect](options));
}

const HELP = `Usage: sessionkit schema <mysql|postgres|mssql|mongodb> [--table NAME] [--apply --store URL]
       sessionkit schema <mysql|postgres|mssql> --for-mapping FILE

Prints the DDL of the sessionkit session table and its two indexes (expiry, owner), ready for a
migration file; every dialect's script is safe to run twice:
  postgres  CREATE TABLE IF NOT EXISTS, then CREATE INDEX IF NOT EXISTS for each index
  mysql     CREATE TABLE IF NOT EXISTS, the indexes declared inside it (KEY ...)
  mssql     IF OBJECT_ID(N'<table>', N'U') IS NULL BEGIN CREATE TABLE ...; CREATE INDEX ... END
            (SQL Server has no CREATE TABLE IF NOT EXISTS)
  mongodb   the createIndex commands of the TTL index on expiresAt and the owner index (mongosh)
mariadb, postgresql/pg, sqlserver and mongo are accepted too. Apply it with your client, e.g.
  sessionkit schema postgres | psql -h HOST -d DB
or let the tool apply it (idempotent; the table and indexes, or MongoDB's indexes):
  sessionkit schema postgres --apply -s postgres://user:pw@host/db?table=sessions

--for-mapping FILE prints the ALTER TABLE statements that add the columns sessionkit brings (the
version, owner and created-at columns the mapping names) to an existing table such as Tomcat's.
FILE is JSON with the store options (tableName, columns, expiry, fixedValues, namespace).
'sessionkit verify' names exactly the ones a live table lacks.

Options:
  -t, --table NAME         table name, 'table' or 'schema.table' (default: sessionkit_sessions)
      --apply              create the table and indexes on the store of --store (or SESSIONKIT_STORE)
  -s, --store URL          the store for --apply; its ?table= names the table
      --for-mapping FILE   print the ALTER TABLE statements for the mapping in FILE
      --json               machine output: { "dialect", "statements" } or { "applied", "store" }
  -h, --help               show this help

Examples:
  sessionkit schema postgres > migrations/001_sessions.sql
  sessionkit schema mysql --table app_sessions
  sessionkit schema mongodb --apply -s mongodb://127.0.0.1/app
  sessionkit schema postgres --for-mapping tomcat-mapping.json
`;

export const schemaCommand: Command = {
  name: 'schema',
  summary: 'print the DDL of the session table for mysql, postgres or mssql',
  help: HELP,
  async run(args, io) {
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(args);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error), 'schema');
    }
    if (parsed.values.help) {
      io.stdout(HELP);
      return EXIT.ok;
    }
    const [given, ...extra] = parsed.positionals;
    if (given === undefined)
      throw new UsageError('schema needs a dialect: mysql, postgres, mssql or mongodb.', 'schema');
    if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}.`, 'schema');
    const target = ALIASES[given.toLowerCase()];
    if (target === undefined) {
      throw new UsageError(
        `unknown dialect ${JSON.stringify(given)}; use mysql, postgres, mssql or mongodb.`,
        'schema',
      );
    }
    const { values } = parsed;
    const print = (statements: string[]) => {
      io.stdout(
        values.json
          ? `${JSON.stringify({ dialect: target, statements }, null, 2)}\n`
          : target === 'mongodb' || values['for-mapping'] !== undefined
            ? `${statements.map((statement) => `${statement};`).join('\n')}\n`
            : joinStatements(statements),
      );
      return EXIT.ok;
    };
    if (values['for-mapping'] !== undefined) {
      if (values.apply)
        throw new UsageError(
          '--for-mapping prints statements; it cannot be combined with --apply.',
          'schema',
        );
      return print(alterFor(target, await readMapping(values['for-mapping'])));
    }
    if (values.apply) {
      if (values.table !== undefined) {
        throw new UsageError(
          'with --apply, name the table in the store URL (?table=NAME), not with --table.',
          'schema',
        );
      }
      const url = values.store ?? process.env.SESSIONKIT_STORE;
      if (!url)
        throw new UsageError('--apply needs the store: pass --store URL or set SESSIONKIT_STORE.', 'schema');
      const store = await applySchema(target, url);
      io.stdout(
        values.json
          ? `${JSON.stringify({ applied: true, store }, null, 2)}\n`
          : `schema applied to ${store}\n`,
      );
      return EXIT.ok;
    }
    if (values.store !== undefined) throw new UsageError('--store is only used with --apply.', 'schema');
    if (target === 'mongodb') return print(mongoIndexCommands(values.table ?? 'sessions'));
    const options: SqlSchemaOptions = values.table === undefined ? {} : { tableName: values.table };
    let ddl: string[];
    try {
      ddl = STATEMENTS[target](options);
    } catch (error) {
      // An invalid --table: the generator's message already says what a valid name looks like.
      if (isSessionError(error, 'SESSION_CONFIG_INVALID')) {
        throw new UsageError(error.message.replace(/^schemaStatements: /, '--table: '), 'schema');
      }
      throw error;
    }
    return print(ddl);
  },
};

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      table: { type: 'string', short: 't' },
      apply: { type: 'boolean' },
      store: { type: 'string', short: 's' },
      'for-mapping': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
