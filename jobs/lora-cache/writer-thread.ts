/**
 * The fetch thread's side of the snapshot build's writer thread (a worker_threads Worker running
 * writer-worker.ts): pages go over as MO's response bytes, their memory transferred rather than copied, so the
 * fetch thread never decodes, parses, maps or writes. `page()` waits only while the bytes sent and not yet
 * written exceed the memory bound. The first
 * failure in the writer (a full disk, a mapping bug, a crash, out of memory) is kept as one line, reported to
 * `onFailure` at once (the build stops its fetches) and thrown by the next call.
 */
import path from 'node:path';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { removeStaleTemps } from '../../orchestrator/atomic-write.js';
import { abortError } from './abort.js';
import type { Entity } from './queries.js';
import type { FromWriter, ToWriter, WriterSetup } from './writer-messages.js';

const extension = path.extname(fileURLToPath(import.meta.url));
const entry = new URL(`./writer-worker${extension}`, import.meta.url);

/**
 * From dist the entry is plain JS. Under tsx (tests, development) it is TypeScript, and on Node 20 a worker
 * inherits neither the loader hooks nor a working `--import tsx` (the entry fails with "Unknown file extension"),
 * so a source-only bootstrap (tsx-worker-bootstrap.mjs) registers tsx in the thread, then imports the entry.
 */
function startWorker(opts: WorkerOptions): Worker {
  if (extension === '.js') return new Worker(entry, opts);
  const bootstrap = new URL('./tsx-worker-bootstrap.mjs', import.meta.url);
  return new Worker(bootstrap, { ...opts, argv: [entry.href], execArgv: [] });
}

export type FinishMessage = Extract<ToWriter, { type: 'finish' }>;
export type Finished = Omit<Extract<FromWriter, { type: 'finished' }>, 'type'>;

export class WriterThread {
  private readonly worker: Worker;
  private queuedBytes = 0;
  private written = 0;
  private readonly read: Record<string, number> = {};
  private failed: Error | undefined;
  private waiting: (() => void)[] = [];
  private finished: { resolve(f: Finished): void; reject(err: Error): void } | undefined;
  private result: Finished | undefined;
  private stopped: Promise<void> | undefined;
  private exited = false;

  constructor(
    private readonly setup: WriterSetup,
    private readonly maxQueuedBytes: number,
    private readonly onFailure: (err: Error) => void,
    private readonly onWritten: (objects: Readonly<Record<string, number>>, rows: number) => void = () =>
      undefined,
  ) {
    // The job's heap limit (runner.job_memory_mb) applies to this thread's heap too.
    const heapMb = Math.ceil(v8.getHeapStatistics().heap_size_limit / 2 ** 20);
    this.worker = startWorker({
      workerData: setup,
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
    });
    this.worker.on('message', (m: FromWriter) => this.receive(m));
    this.worker.on('error', (err: Error & { code?: string }) =>
      this.fail(
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `out of memory in the snapshot writer thread (heap limit ${heapMb} MB)`
          : `the snapshot writer thread crashed: ${err.message.split('\n')[0]}`,
      ),
    );
    this.worker.on('exit', (code) => {
      this.exited = true;
      if (!this.result) this.fail(`the snapshot writer thread stopped (exit code ${code})`);
    });
  }

  /** The writer's first failure, if any. */
  get failure(): Error | undefined {
    return this.failed;
  }

  /** Whether the thread is still alive (false once it has exited or been terminated). */
  get running(): boolean {
    return !this.exited;
  }

  /** Objects in the pages written so far, per entity. */
  get objectsRead(): Readonly<Record<string, number>> {
    return this.read;
  }

  /** Rows the writer has written so far. */
  get rowsWritten(): number {
    return this.written;
  }

  send(m: ToWriter, transfer: ArrayBuffer[] = []): void {
    this.throwIfFailed();
    this.worker.postMessage(m, transfer);
  }

  /**
   * Hands a page's response body over, moving its memory to the writer thread (the caller must not use `body`
   * afterwards); resolves at once unless the queue is at the memory bound.
   */
  async page(entity: Entity, body: Uint8Array): Promise<void> {
    this.read[entity] ??= 0;
    // a view on part of a larger buffer (Node's small-buffer pool) is copied: moving it would take the rest along
    const owned =
      body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? body : new Uint8Array(body);
    this.send({ type: 'page', entity, body: owned }, [owned.buffer as ArrayBuffer]);
    this.queuedBytes += owned.byteLength;
    while (this.queuedBytes > this.maxQueuedBytes && !this.failed)
      await new Promise<void>((wake) => this.waiting.push(wake));
    this.throwIfFailed();
  }

  /**
   * Sends the metadata and waits until the snapshot is in place, or until `signal` aborts (a timeout while the
   * last indexes are built): then it rejects with the abort's one-line error and `stop()` discards the file.
   */
  finish(m: FinishMessage, signal?: AbortSignal): Promise<Finished> {
    const done = new Promise<Finished>((resolve, reject) => {
      this.finished = { resolve, reject };
      signal?.addEventListener('abort', () => reject(abortError(signal)), { once: true });
    });
    this.send(m);
    return done;
  }

  /**
   * Ends the thread (mid-page, if it is writing one) and, unless the snapshot was completed, removes its temp file.
   * Safe to call more than once.
   */
  stop(): Promise<void> {
    this.stopped ??= this.worker.terminate().then(() => {
      if (!this.result) removeStaleTemps(this.setup.target);
    });
    return this.stopped;
  }

  private receive(m: FromWriter): void {
    if (m.type === 'page-written') {
      this.queuedBytes -= m.bytes;
      this.written = m.totalRows;
      this.read[m.entity] = (this.read[m.entity] ?? 0) + m.objects;
      if (this.queuedBytes <= this.maxQueuedBytes) this.wake();
      this.onWritten(this.read, m.totalRows);
    } else if (m.type === 'finished') {
      const { type: _, ...result } = m;
      this.result = result;
      this.finished?.resolve(result);
    } else this.fail(m.message);
  }

  private fail(message: string): void {
    if (this.failed || this.result) return;
    this.failed = new Error(message);
    this.wake();
    this.finished?.reject(this.failed);
    this.onFailure(this.failed);
  }

  private wake(): void {
    for (const wake of this.waiting.splice(0)) wake();
  }

  private throwIfFailed(): void {
    if (this.failed) throw this.failed;
  }
}
