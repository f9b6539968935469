/**
 * The live region on a TTY (log-update): one line per running job under the log. A log line printed while
 * the region is shown erases it, is written, and the region is drawn again below it, so progress is never
 * glued onto a log line. Lines are cut to the terminal width so none wraps.
 */
import { createLogUpdate } from 'log-update';

export interface TerminalStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Cuts plain text to `width` columns, marking the cut with `…`. */
export function fitWidth(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 1 ? chars.slice(0, width).join('') : chars.slice(0, width - 1).join('') + '…';
}

export class LiveLines {
  private readonly lines = new Map<string, { plain: string; style: (fitted: string) => string }>();
  private readonly render: ReturnType<typeof createLogUpdate>;

  constructor(private readonly stream: TerminalStream) {
    // showCursor: log-update would otherwise hide it and hook exit signals to show it again;
    // the runner handles SIGINT/SIGTERM itself
    this.render = createLogUpdate(stream as NodeJS.WriteStream, { showCursor: true });
  }

  /** Shows or replaces the line of `key`. `style` colours the line after it is cut to the width. */
  set(key: string, plain: string, style: (fitted: string) => string = (s) => s): void {
    this.lines.set(key, { plain, style });
    this.draw();
  }

  delete(key: string): void {
    if (this.lines.delete(key)) this.draw();
  }

  /** Writes finished text (ending in a newline) above the live region. */
  print(text: string): void {
    if (this.lines.size === 0) {
      this.stream.write(text);
      return;
    }
    this.render.persist(text.endsWith('\n') ? text.slice(0, -1) : text);
    this.draw();
  }

  /** Erases the region (end of the run). */
  close(): void {
    this.lines.clear();
    this.render.clear();
    this.render.done();
  }

  private draw(): void {
    if (this.lines.size === 0) {
      this.render.clear();
      return;
    }
    // one column spare: a line exactly as wide as the terminal wraps on some terminals
    const width = Math.max(10, (this.stream.columns ?? 80) - 1);
    this.render([...this.lines.values()].map((l) => l.style(fitWidth(l.plain, width))).join('\n'));
  }
}
