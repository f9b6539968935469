/** Prometheus text exposition bodies, with DIPEX's metric names (runner.md §1.7). */

export interface Gauge {
  name: string;
  help: string;
  value: number;
}

export function expositionBody(gauges: readonly Gauge[]): string {
  return gauges
    .map((g) => `# TYPE ${g.name} gauge\n# HELP ${g.name} ${g.help}\n${g.name} ${g.value}\n`)
    .join('');
}

export const unixSeconds = (d: Date): number => Math.floor(d.getTime() / 1000);

export const startGauges = (at: Date): Gauge[] => [
  { name: 'mo_start_time', help: 'Unixtime for job start time', value: unixSeconds(at) },
];

export const endGauges = (at: Date, returnCode: number): Gauge[] => [
  { name: 'mo_end_time', help: 'Unixtime for job end time', value: unixSeconds(at) },
  { name: 'mo_return_code', help: 'Return code of job', value: returnCode },
];
