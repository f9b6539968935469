/**
 * Run logging with winston: the console (plain text, colours per terminal/colour.ts, above the live progress
 * lines on a TTY), `{runLogs}/run.jsonl` (every line as JSON) and `{runLogs}/{job}.log` (that job's lines).
 * Everything passes through redaction. Files are written synchronously so a log is complete the moment a job
 * ends. Timestamps are in `runner.timezone`: ISO 8601 with the offset in files, HH:MM:SS on the console.
 */
import fs from 'node:fs';
import path from 'node:path';
import winston from 'winston';
import Transport from 'winston-transport';
import { type Redactor, redactDeep } from './redact.js';
import { isoWithOffset } from './zoned-time.js';
import { type Colours, levelColour } from './terminal/colour.js';
import type { LiveLines } from './terminal/live-lines.js';

const MESSAGE = Symbol.for('message');
const LEVEL = Symbol.for('level');
const SPLAT = Symbol.for('splat');

type Info = winston.Logform.TransformableInfo & { job?: string; runId?: string; timestamp?: string };

function openAppend(file: string): number {
  return fs.openSync(file, 'a', 0o600);
}

/** Writes each line as JSON to run.jsonl. */
class JsonlTransport extends Transport {
  private fd: number;
  constructor(file: string) {
    super();
    this.fd = openAppend(file);
  }
  override log(info: Info, next: () => void): void {
    const { [MESSAGE]: _m, [LEVEL]: _l, [SPLAT]: _s, ...plain } = info as Record<string | symbol, unknown>;
    fs.writeSync(this.fd, JSON.stringify(plain) + '\n');
    next();
  }
  override close(): void {
    fs.closeSync(this.fd);
  }
}

/** Routes lines tagged with a job to that job's log file. */
export class JobFilesTransport extends Transport {
  private fds = new Map<string, number>();
  constructor(private dir: string) {
    super();
  }
  pathFor(job: string): string {
    return path.join(this.dir, `${job}.log`);
  }
  /** Appends raw text (command output) to a job's log. Caller redacts. */
  append(job: string, text: string): void {
    fs.writeSync(this.fdFor(job), text);
  }
  private fdFor(job: string): number {
    let fd = this.fds.get(job);
    if (fd === undefined) {
      fd = openAppend(this.pathFor(job));
      this.fds.set(job, fd);
    }
    return fd;
  }
  closeJob(job: string): void {
    const fd = this.fds.get(job);
    if (fd !== undefined) fs.closeSync(fd);
    this.fds.delete(job);
  }
  override log(info: Info, next: () => void): void {
    if (info.job) {
      const extra = metaText(info);
      this.append(
        info.job,
        `${info.timestamp} ${info.level.toUpperCase().padEnd(5)} ${String(info.message)}${extra}\n`,
      );
    }
    next();
  }
  override close(): void {
    for (const job of [...this.fds.keys()]) this.closeJob(job);
  }
}

/** Console lines: above the live region when there is one, else straight to stdout. */
class ConsoleLinesTransport extends Transport {
  constructor(
    private readonly writeLine: (text: string) => void,
    level: string,
  ) {
    super({ level });
  }
  override log(info: Info, next: () => void): void {
    this.writeLine(String((info as Record<symbol, unknown>)[MESSAGE]) + '\n');
    next();
  }
}

const reserved = new Set(['level', 'message', 'timestamp', 'job', 'runId', 'stack']);

function metaText(info: Info): string {
  const meta = Object.entries(info).filter(([k]) => !reserved.has(k));
  return meta.length
    ? ' ' + meta.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')
    : '';
}

function redactFormat(redact: Redactor) {
  return winston.format((info) => {
    for (const key of Object.keys(info)) {
      (info as Record<string, unknown>)[key] = redactDeep((info as Record<string, unknown>)[key], redact);
    }
    return info;
  })();
}

export interface RunLoggerOptions {
  runId: string;
  /** `{state}/logs/{runId}`; created 0700. */
  dir: string;
  redact: Redactor;
  /** Write to the console (stdout). */
  console: boolean;
  verbose: boolean;
  /** IANA zone of every timestamp (`runner.timezone`). */
  timeZone: string;
  /** Colours of console lines. */
  colours: Colours;
  /** The live progress region (stdout is a TTY): console lines are printed above it. */
  live?: LiveLines;
}

export interface RunLogger {
  logger: winston.Logger;
  jobFiles: JobFilesTransport;
  jsonlPath: string;
  close(): Promise<void>;
}

export function createRunLogger(opts: RunLoggerOptions): RunLogger {
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const jsonlPath = path.join(opts.dir, 'run.jsonl');
  const jobFiles = new JobFilesTransport(opts.dir);
  const transports: Transport[] = [new JsonlTransport(jsonlPath), jobFiles];
  if (opts.console) {
    const c = opts.colours;
    const line = winston.format.printf((info: Info) => {
      const time = String(info.timestamp).slice(11, 19);
      const job = info.job ? ` [${c.cyan(info.job)}]` : '';
      return `${c.dim(time)} ${levelColour(c, info.level)(info.level)}${job} ${String(info.message)}${metaText(info)}`;
    });
    const live = opts.live;
    const write = live ? (text: string) => live.print(text) : (text: string) => process.stdout.write(text);
    const consoleLines = new ConsoleLinesTransport(write, opts.verbose ? 'debug' : 'info');
    consoleLines.format = line;
    transports.push(consoleLines);
  }
  const logger = winston.createLogger({
    level: 'debug',
    defaultMeta: { runId: opts.runId },
    format: winston.format.combine(
      winston.format.timestamp({ format: () => isoWithOffset(new Date(), opts.timeZone, { millis: true }) }),
      redactFormat(opts.redact),
    ),
    transports,
  });
  return {
    logger,
    jobFiles,
    jsonlPath,
    close: async () => {
      opts.live?.close();
      for (const t of transports) t.close?.();
    },
  };
}

/** A logger that writes nowhere (tests, commands that run no jobs). */
export function silentLogger(): winston.Logger {
  return winston.createLogger({
    silent: true,
    transports: [new winston.transports.Console({ silent: true })],
  });
}
