// Reads one sample of a bridge's Prometheus metrics, as an operator's dashboard would.

/** The value of `series` (a metric's name with its labels, exactly as exposed), 0 when absent. */
export async function metricValue(metricsUrl: string, series: string): Promise<number> {
  const metrics = await (await fetch(`${metricsUrl}/metrics`)).text();
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return Number(line?.split(' ')[1] ?? 0);
}
