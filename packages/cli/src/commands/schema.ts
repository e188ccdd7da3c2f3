import { parseArgs } from 'node:util';
import { isSessionError } from '@sessionkit/core';
import { schemaSql as mssqlSchema } from '@sessionkit/mssql';
import { schemaSql as mysqlSchema } from '@sessionkit/mysql';
import { schemaSql as postgresSchema } from '@sessionkit/postgres';
import type { SqlSchemaOptions } from '@sessionkit/sql';
import { EXIT, JSON_HELP, JSON_OPTION, report, UsageError } from '../io';
import type { Command } from './command';

/** The SQL dialects whose schema the CLI prints. */
export type SchemaDialect = 'mysql' | 'postgres' | 'mssql';

const GENERATORS: Readonly<Record<SchemaDialect, (options: SqlSchemaOptions) => string>> = {
  mysql: mysqlSchema,
  postgres: postgresSchema,
  mssql: mssqlSchema,
};

/** Other spellings people type, mapped to the dialect. */
const ALIASES: Readonly<Record<string, SchemaDialect>> = {
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
  return GENERATORS[dialect](options);
}

const HELP = `Usage: sessionkit schema <mysql|postgres|mssql> [--table NAME]

Prints the DDL of the sessionkit session table and its two indexes (expiry, owner), ready for a
migration file; every dialect's script is safe to run twice:
  postgres  CREATE TABLE IF NOT EXISTS, then CREATE INDEX IF NOT EXISTS for each index
  mysql     CREATE TABLE IF NOT EXISTS, the indexes declared inside it (KEY ...)
  mssql     IF OBJECT_ID(N'<table>', N'U') IS NULL BEGIN CREATE TABLE ...; CREATE INDEX ... END
            (SQL Server has no CREATE TABLE IF NOT EXISTS)
mariadb, postgresql/pg and sqlserver are accepted too. Apply it with your client, e.g.
  sessionkit schema postgres | psql -h HOST -d DB

Options:
  -t, --table NAME  table name, 'table' or 'schema.table' (default: sessionkit_sessions)
${JSON_HELP}
  -h, --help        show this help

Examples:
  sessionkit schema postgres > migrations/001_sessions.sql
  sessionkit schema mysql --table app_sessions
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
      throw new UsageError('schema needs a dialect: mysql, postgres or mssql.', 'schema');
    if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}.`, 'schema');
    const dialect = ALIASES[given.toLowerCase()];
    if (dialect === undefined) {
      throw new UsageError(
        `unknown dialect ${JSON.stringify(given)}; use mysql, postgres or mssql.`,
        'schema',
      );
    }
    const options: SqlSchemaOptions =
      parsed.values.table === undefined ? {} : { tableName: parsed.values.table };
    let ddl: string;
    try {
      ddl = schemaFor(dialect, options);
    } catch (error) {
      // An invalid --table: the generator's message already says what a valid name looks like.
      if (isSessionError(error, 'SESSION_CONFIG_INVALID')) {
        throw new UsageError(error.message.replace(/^schemaStatements: /, '--table: '), 'schema');
      }
      throw error;
    }
    report(io, parsed.values.json === true, { dialect, ddl }, () => ddl);
    return EXIT.ok;
  },
};

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      table: { type: 'string', short: 't' },
      ...JSON_OPTION,
      help: { type: 'boolean', short: 'h' },
    },
  });
}
