import { SessionConfigError } from '../errors';
import type { HostPort } from './url-parts';

const HOST = /^[A-Za-z0-9._:[\]-]{1,253}$/;

/**
 * Fails on one setting of a store configuration. Messages name the setting and what it must be,
 * never its value when that could be a password.
 *
 * @example
 * settingError('database', 'must be 0 with Redis Cluster, which has only database 0.');
 */
export function settingError(setting: string, problem: string): never {
  throw new SessionConfigError(`Invalid session store configuration: ${setting} ${problem}`);
}

/** A string setting, or undefined when absent. */
export function optionalString(
  config: Readonly<Record<string, unknown>>,
  setting: string,
): string | undefined {
  const value = config[setting];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') settingError(setting, 'must be a string.');
  return value;
}

/** A non-empty string setting; `hint` says what it is for. */
export function requiredString(
  config: Readonly<Record<string, unknown>>,
  setting: string,
  hint: string,
): string {
  const value = optionalString(config, setting);
  if (value === undefined || value === '') settingError(setting, `is required (${hint}).`);
  return value;
}

/** A true/false setting (absent is false). */
export function booleanSetting(config: Readonly<Record<string, unknown>>, setting: string): boolean {
  const value = config[setting];
  if (value !== undefined && typeof value !== 'boolean') settingError(setting, 'must be true or false.');
  return value === true;
}

/** A whole number from `min` to `max`, or undefined when absent. */
export function integerSetting(
  config: Readonly<Record<string, unknown>>,
  setting: string,
  min: number,
  max: number,
): number | undefined {
  const value = config[setting];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    settingError(setting, `must be a whole number from ${min} to ${max}.`);
  }
  return value;
}

/** A required host name or IP address. */
export function hostSetting(value: unknown, setting: string): string {
  if (value === undefined || value === '')
    settingError(setting, 'is required: the server name or IP address.');
  if (typeof value !== 'string' || !HOST.test(value))
    settingError(setting, 'is not a valid host name or IP address.');
  return value;
}

/** A TCP port, `fallback` when absent. */
export function portSetting(value: unknown, setting: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    settingError(setting, `must be a whole number from 1 to 65535 (got ${JSON.stringify(value)}).`);
  }
  return value;
}

/** A non-empty list of `{ host, port }`, each port `fallbackPort` when absent. */
export function hostPortList(value: unknown, setting: string, fallbackPort: number): Required<HostPort>[] {
  if (!Array.isArray(value) || value.length === 0)
    settingError(setting, 'must be a non-empty list of { host, port }.');
  return value.map((node, i) => {
    const entry = (typeof node === 'object' && node !== null ? node : {}) as Record<string, unknown>;
    return {
      host: hostSetting(entry.host, `${setting}[${i}].host`),
      port: portSetting(entry.port, `${setting}[${i}].port`, fallbackPort),
    };
  });
}
