// Latency statistics: percentiles (nearest-rank on sorted samples) and 2-decimal rounding.

/** Rounds to 2 decimals; undefined and non-finite values become null (valid JSON). */
export function round2(value: number | undefined): number | null {
  if (value === undefined || !Number.isFinite(value)) return null;
  return Math.round(value * 100) / 100;
}

/** The p-th percentile (0–100) of already sorted samples, nearest-rank; undefined when empty. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface LatencySummary {
  count: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  mean_ms: number | null;
  max_ms: number | null;
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.length ? sorted.reduce((sum, x) => sum + x, 0) / sorted.length : undefined;
  return {
    count: sorted.length,
    p50_ms: round2(percentile(sorted, 50)),
    p95_ms: round2(percentile(sorted, 95)),
    p99_ms: round2(percentile(sorted, 99)),
    mean_ms: round2(mean),
    max_ms: round2(sorted.at(-1)),
  };
}

/** a / b rounded, or null when either side is missing or b is zero. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || b === 0) return null;
  return round2(a / b);
}
