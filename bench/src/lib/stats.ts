/** Summary statistics over the rounds of one measurement: the median is the figure we quote. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Number of samples. */
  n: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Median and range of the values that are numbers: NaN (a figure a sample could not give) is left
 * out, ±Infinity kept (a cost ratio over a cost of zero or less; see costRatio in goal-table.ts).
 */
export function spread(values: readonly number[]): Spread {
  const finite = values.filter((v) => !Number.isNaN(v));
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 };
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), n: finite.length };
}

/** Formats a number with a sensible number of significant digits for a table cell. */
export function fmt(value: number, digits?: number): string {
  if (value === Number.POSITIVE_INFINITY) return '∞';
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  const d = digits ?? (abs >= 100 ? 0 : abs >= 10 ? 1 : 2);
  return value.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** "median (min–max)", the form every timing cell of the report uses. */
export function fmtSpread(s: Spread, digits?: number): string {
  if (s.n === 0) return 'n/a';
  if (s.n === 1) return fmt(s.median, digits);
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}

export function ratio(a: number, b: number): number {
  return b === 0 ? Number.NaN : a / b;
}
