/** An in-test Prometheus pushgateway stand-in on 127.0.0.1: records every request; can answer slowly or with errors. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedPush {
  method: string;
  path: string;
  body: string;
  headers: http.IncomingHttpHeaders;
}

export interface StandIn {
  base: string;
  pushes: RecordedPush[];
  /** Milliseconds to wait before answering. */
  delayMs: number;
  status: number;
  close(): Promise<void>;
}

export async function startPushgateway(): Promise<StandIn> {
  const pushes: RecordedPush[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const state = { delayMs: 0, status: 200 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      pushes.push({
        method: req.method ?? '',
        path: req.url ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
        headers: req.headers,
      });
      setTimeout(() => {
        res.statusCode = state.status;
        res.end();
      }, state.delayMs);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}/metrics/job`,
    pushes,
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(v: number) {
      state.delayMs = v;
    },
    get status() {
      return state.status;
    },
    set status(v: number) {
      state.status = v;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Parses a text exposition body into {name: value}, checking each sample has TYPE gauge. */
export function parseExposition(body: string): Record<string, number> {
  const types = new Map<string, string>();
  const values: Record<string, number> = {};
  for (const line of body.split('\n')) {
    if (!line.trim()) continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*) (-?[0-9.e+]+)$/.exec(line);
    if (!sample) throw new Error(`not a sample line: ${line}`);
    if (types.get(sample[1]!) !== 'gauge') throw new Error(`${sample[1]} is not declared a gauge`);
    values[sample[1]!] = Number(sample[2]);
  }
  return values;
}
