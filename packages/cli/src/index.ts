export { COMMANDS, type Command, type SchemaDialect, schemaCommand, schemaFor } from './commands/index';
export { type CliIo, EXIT, processIo, UsageError } from './io';
export { runCli } from './run';
