/**
 * Writes pages one after another, each in one transaction, in short time slices: between slices the event loop
 * reads MO's answers and sends the next requests, so MO keeps working while SQLite does (the build's wall time
 * stays close to the time it takes merely to fetch the pages). Callers bound memory with `room()`: it waits
 * only while the queue holds more objects than their bound.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { SnapshotWriter } from './writer.js';

/** Milliseconds of mapping and inserting before giving the event loop a turn. */
const SLICE_MS = 4;

export class PageQueue {
  private tail: Promise<void> = Promise.resolve();
  /** Objects queued and not yet written. */
  private queued = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly writer: SnapshotWriter) {}

  /** Queues a page: `write(item)` is called for each item inside the page's transaction. */
  write<T>(items: readonly T[], write: (item: T) => void): Promise<void> {
    this.queued += items.length;
    const task = this.tail
      .then(() => this.writePage(items, write))
      .finally(() => {
        this.queued -= items.length;
        for (const wake of this.waiting.splice(0)) wake();
      });
    this.tail = task.catch(() => undefined);
    return task;
  }

  /** Resolves once fewer than `maxObjects` objects are queued (at once when already so). */
  async room(maxObjects: number): Promise<void> {
    while (this.queued >= maxObjects) await new Promise<void>((wake) => this.waiting.push(wake));
  }

  /** Queues separate steps (e.g. one CREATE INDEX each), giving the event loop a turn between them. */
  steps(steps: readonly (() => void)[]): Promise<void> {
    const task = this.tail.then(async () => {
      for (const step of steps) {
        this.writer.timed(step);
        await yieldToEventLoop();
      }
    });
    this.tail = task.catch(() => undefined);
    return task;
  }

  /** Resolves when everything queued so far has been written (or failed). */
  drain(): Promise<void> {
    return this.tail;
  }

  private async writePage<T>(items: readonly T[], write: (item: T) => void): Promise<void> {
    const w = this.writer;
    w.begin();
    try {
      let i = 0;
      while (i < items.length) {
        const sliceEnd = performance.now() + SLICE_MS;
        w.timed(() => {
          do write(items[i++]);
          while (i < items.length && performance.now() < sliceEnd);
        });
        if (i < items.length) await yieldToEventLoop();
      }
      w.commit();
    } catch (err) {
      w.rollback();
      throw err;
    }
  }
}
