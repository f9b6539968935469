/**
 * Emulates the three HTTP-trigger import services the nightly imports drive, each on its own 127.0.0.1 port
 * (like the real ones on :8040, :8030, :8020):
 * - SDTool+: `POST /trigger` runs synchronously and answers with the operations performed (`/trigger/dry` too).
 * - SD changed-at (sdlon): `POST /trigger` answers at once and starts the run in the background;
 *   `GET /metrics` exposes the Prometheus enum `sd_changed_at_state` (running/ok/failure/unknown) and, like
 *   sdlon versions that have them, `sd_changed_at_start_time`, `sd_changed_at_end_time` and
 *   `dipex_last_success_timestamp_seconds`.
 * - Manager sync: `POST /trigger/all` runs synchronously and answers 202.
 * Each run's time and outcome are configurable, and can be changed between runs.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * - ok: the run succeeds
 * - failure: the run fails (sync services: HTTP 500 after the run time; changed-at: state `failure`)
 * - http500: the trigger itself answers HTTP 500 at once; nothing runs
 * - hang: the run never ends (sync services never answer; changed-at stays `running`)
 * - stale_ok: changed-at accepts the trigger but no run ever starts, so /metrics keeps showing the previous
 *   run's state (`ok` by default); sync services behave as ok
 */
export type TriggerOutcome = 'ok' | 'failure' | 'http500' | 'hang' | 'stale_ok';

export type ChangedAtState = 'running' | 'ok' | 'failure' | 'unknown';

export interface ServiceBehaviour {
  outcome?: TriggerOutcome;
  /** How long a run takes (ms). */
  runTimeMs?: number;
}

export interface ChangedAtBehaviour extends ServiceBehaviour {
  /** Time between the trigger's answer and the state switching to `running` (ms). */
  startDelayMs?: number;
  /** State shown before the first run (the previous night's), default `ok`. */
  previousState?: ChangedAtState;
  /** Expose the start/end/last-success timestamp gauges (default true; older sdlon versions lack them). */
  timestamps?: boolean;
  /** /metrics does not answer while a run is going on (sdlon running the import on its event loop). */
  metricsBlockedWhileRunning?: boolean;
}

export interface TriggerEmulatorOptions {
  host?: string;
  ports?: { sdtoolPlus?: number; sdChangedAt?: number; managerSync?: number };
  sdtoolPlus?: ServiceBehaviour;
  sdChangedAt?: ChangedAtBehaviour;
  managerSync?: ServiceBehaviour;
}

export interface TriggerEmulator {
  sdtoolPlus: { url: string; triggerUrl: string; triggers: number };
  sdChangedAt: {
    url: string;
    triggerUrl: string;
    metricsUrl: string;
    triggers: number;
    metricsReads: number;
    state(): ChangedAtState;
  };
  managerSync: { url: string; triggerUrl: string; triggers: number };
  /** Changes a service's behaviour for the next trigger. */
  configure(service: 'sdtoolPlus' | 'managerSync', behaviour: ServiceBehaviour): void;
  configure(service: 'sdChangedAt', behaviour: ChangedAtBehaviour): void;
  /** The `imports.*` settings pointing at this emulator. */
  settings(): Record<string, string>;
  stop(): Promise<void>;
}

interface Listening {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

async function listen(host: string, port: number, handler: http.RequestListener): Promise<Listening> {
  const sockets = new Set<Socket>();
  const server = http.createServer(handler);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host}:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function drain(req: http.IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    req.resume();
    req.on('end', resolve);
  });
}

export async function startTriggerEmulator(opts: TriggerEmulatorOptions = {}): Promise<TriggerEmulator> {
  const host = opts.host ?? '127.0.0.1';
  let sdtool: ServiceBehaviour = { outcome: 'ok', runTimeMs: 0, ...opts.sdtoolPlus };
  let manager: ServiceBehaviour = { outcome: 'ok', runTimeMs: 0, ...opts.managerSync };
  let changed: ChangedAtBehaviour = {
    outcome: 'ok',
    runTimeMs: 0,
    startDelayMs: 0,
    timestamps: true,
    ...opts.sdChangedAt,
  };
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const counters = { sdtool: 0, manager: 0, changed: 0, metrics: 0 };

  // Synchronous services: answer when the run is over.
  function syncService(
    get: () => ServiceBehaviour,
    okStatus: number,
    okBody: () => unknown,
    count: () => void,
  ): http.RequestListener {
    return (req, res) => {
      void drain(req).then(() => {
        const path = (req.url ?? '').split('?')[0];
        const isTrigger =
          req.method === 'POST' &&
          (path === '/trigger' || path === '/trigger/all' || path === '/trigger/dry');
        if (!isTrigger) return json(res, 404, { detail: 'Not Found' });
        count();
        const b = get();
        if (b.outcome === 'http500') return json(res, 500, { detail: 'Internal Server Error' });
        if (b.outcome === 'hang') return; // never answers
        later(b.runTimeMs ?? 0, () => {
          if (b.outcome === 'failure') json(res, 500, { detail: 'run failed: SD answered with an error' });
          else json(res, okStatus, okBody());
        });
      });
    };
  }

  const sdtoolServer = await listen(
    host,
    opts.ports?.sdtoolPlus ?? 0,
    syncService(
      () => sdtool,
      200,
      () => [
        { operation: 'move', uuid: '4e6bbf6c-8d64-4b5c-9d3e-6d2b1e0c7a01', parent: 'Udgåede afdelinger' },
      ],
      () => counters.sdtool++,
    ),
  );
  const managerServer = await listen(
    host,
    opts.ports?.managerSync ?? 0,
    syncService(
      () => manager,
      202,
      () => ({ status: 'Accepted' }),
      () => counters.manager++,
    ),
  );

  // SD changed-at: background run, state exposed on /metrics.
  let state: ChangedAtState = changed.previousState ?? 'ok';
  let startTime: number | undefined;
  let endTime: number | undefined;
  let lastSuccess: number | undefined;
  let running = false;
  const blockedMetrics: http.ServerResponse[] = [];

  function setState(next: ChangedAtState): void {
    state = next;
    if (next !== 'running') {
      running = false;
      for (const res of blockedMetrics.splice(0)) res.end(metricsText());
    }
  }

  function metricsText(): string {
    const lines = [
      '# HELP python_info Python platform information',
      '# TYPE python_info gauge',
      'python_info{implementation="CPython",major="3",minor="11",patchlevel="4",version="3.11.4"} 1.0',
      '# HELP sd_changed_at_state Reflecting the RunDB state',
      '# TYPE sd_changed_at_state gauge',
      ...(['running', 'ok', 'failure', 'unknown'] as const).map(
        (s) => `sd_changed_at_state{sd_changed_at_state="${s}"} ${s === state ? '1.0' : '0.0'}`,
      ),
    ];
    if (changed.timestamps !== false) {
      const gauge = (name: string, help: string, value: number | undefined): string[] => [
        `# HELP ${name} ${help}`,
        `# TYPE ${name} gauge`,
        `${name} ${value === undefined ? '0.0' : (value / 1000).toFixed(3)}`,
      ];
      lines.push(
        ...gauge('sd_changed_at_start_time', 'Start time of the latest SD Changed At run', startTime),
        ...gauge('sd_changed_at_end_time', 'End time of the latest SD Changed At run', endTime),
        ...gauge(
          'dipex_last_success_timestamp_seconds',
          'When the integration last successfully ran',
          lastSuccess,
        ),
      );
    }
    lines.push('# HELP http_requests_total Total number of requests by method, status and handler.');
    lines.push('# TYPE http_requests_total counter');
    lines.push(`http_requests_total{handler="/metrics",method="GET",status="2xx"} ${counters.metrics}.0`);
    return lines.join('\n') + '\n';
  }

  const changedServer = await listen(host, opts.ports?.sdChangedAt ?? 0, (req, res) => {
    void drain(req).then(() => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method === 'GET' && path === '/metrics') {
        counters.metrics++;
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
        if (running && changed.metricsBlockedWhileRunning) return void blockedMetrics.push(res);
        return void res.end(metricsText());
      }
      if (req.method === 'GET' && path === '/') return json(res, 200, { name: 'sdlon' });
      if (req.method !== 'POST' || path !== '/trigger') return json(res, 404, { detail: 'Not Found' });
      counters.changed++;
      const b = changed;
      if (b.outcome === 'http500') return json(res, 500, { detail: 'Internal Server Error' });
      json(res, 200, { msg: 'SD-changed-at started in background' });
      if (b.outcome === 'stale_ok') return;
      later(b.startDelayMs ?? 0, () => {
        running = true;
        startTime = Date.now();
        setState('running');
        if (b.outcome === 'hang') return;
        later(b.runTimeMs ?? 0, () => {
          endTime = Date.now();
          if (b.outcome === 'failure') return setState('failure');
          lastSuccess = endTime;
          setState('ok');
        });
      });
    });
  });

  function configure(
    service: 'sdtoolPlus' | 'managerSync' | 'sdChangedAt',
    behaviour: ChangedAtBehaviour,
  ): void {
    if (service === 'sdtoolPlus') sdtool = { ...sdtool, ...behaviour };
    else if (service === 'managerSync') manager = { ...manager, ...behaviour };
    else {
      changed = { ...changed, ...behaviour };
      if (behaviour.previousState && !running) state = behaviour.previousState;
    }
  }

  return {
    sdtoolPlus: {
      url: sdtoolServer.url,
      triggerUrl: `${sdtoolServer.url}/trigger`,
      get triggers() {
        return counters.sdtool;
      },
    },
    sdChangedAt: {
      url: changedServer.url,
      triggerUrl: `${changedServer.url}/trigger`,
      metricsUrl: `${changedServer.url}/metrics`,
      get triggers() {
        return counters.changed;
      },
      get metricsReads() {
        return counters.metrics;
      },
      state: () => state,
    },
    managerSync: {
      url: managerServer.url,
      triggerUrl: `${managerServer.url}/trigger/all`,
      get triggers() {
        return counters.manager;
      },
    },
    configure: configure as TriggerEmulator['configure'],
    settings: () => ({
      'imports.sdtool_plus.url': `${sdtoolServer.url}/trigger`,
      'imports.sd_changed_at.url': `${changedServer.url}/trigger`,
      'imports.sd_changed_at.metrics_url': `${changedServer.url}/metrics`,
      'imports.manager_sync.url': `${managerServer.url}/trigger/all`,
    }),
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const res of blockedMetrics.splice(0)) res.destroy();
      await Promise.all([sdtoolServer.close(), managerServer.close(), changedServer.close()]);
    },
  };
}
