/** A fake clock, timers and minute ticker for the schedule daemon: time moves only when the test says so. */
import type { Clock, Ticker, Timers } from '../../orchestrator/scheduler/daemon.js';

interface Pending {
  id: number;
  at: number;
  fn: () => void;
}

export class FakeTime implements Clock, Timers, Ticker {
  private pending: Pending[] = [];
  private seq = 0;
  ticks = 0;

  constructor(private nowMs: number) {}

  now(): Date {
    return new Date(this.nowMs);
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.push({ id, at: this.nowMs + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending = this.pending.filter((p) => p.id !== handle);
  }

  /** Ticks at every whole minute, like node-cron's `* * * * *`. */
  start(onTick: () => void): { stop(): void } {
    let handle: unknown;
    const arm = () => {
      const next = (Math.floor(this.nowMs / 60_000) + 1) * 60_000;
      handle = this.setTimeout(() => {
        this.ticks++;
        onTick();
        arm();
      }, next - this.nowMs);
    };
    arm();
    return { stop: () => this.clearTimeout(handle) };
  }

  /** Fires every timer due up to `target` in order, letting promises settle after each. */
  async advanceTo(target: Date | string): Promise<void> {
    const targetMs = new Date(target).getTime();
    for (;;) {
      await settle();
      const next = [...this.pending].sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!next || next.at > targetMs) break;
      this.pending = this.pending.filter((p) => p !== next);
      this.nowMs = Math.max(this.nowMs, next.at);
      next.fn();
    }
    this.nowMs = Math.max(this.nowMs, targetMs);
    await settle();
  }

  get timersPending(): number {
    return this.pending.length;
  }
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}
