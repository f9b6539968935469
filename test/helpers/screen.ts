/**
 * A fake terminal stream for renderer tests: reports isTTY and columns, and keeps the screen as lines by
 * interpreting the cursor and erase sequences log-update writes (CSI A/B/G/K/2K, SGR colours ignored).
 */
const ESC = '\u001b';

export class FakeTerminal {
  readonly isTTY = true;
  readonly rows = 50;
  written = '';
  private screen: string[] = [''];
  private row = 0;
  private col = 0;

  constructor(public columns = 80) {}

  write(chunk: string): boolean {
    this.written += chunk;
    const re = new RegExp(`${ESC}\\[(\\d*)([A-Za-z])|\\n|\\r|[^${ESC}\\n\\r]`, 'gu');
    for (const m of chunk.matchAll(re)) {
      const [tok, num, cmd] = m;
      if (cmd) this.csi(cmd, num ? Number(num) : 1, num ?? '');
      else if (tok === '\n') {
        this.row++;
        this.col = 0;
        while (this.screen.length <= this.row) this.screen.push('');
      } else if (tok === '\r') this.col = 0;
      else {
        const line = this.screen[this.row]!.padEnd(this.col, ' ');
        this.screen[this.row] = line.slice(0, this.col) + tok + line.slice(this.col + 1);
        this.col++;
      }
    }
    return true;
  }

  private csi(cmd: string, n: number, raw: string): void {
    if (cmd === 'A') this.row = Math.max(0, this.row - n);
    else if (cmd === 'B') this.row += n;
    else if (cmd === 'G') this.col = 0;
    else if (cmd === 'K' && raw === '2') this.screen[this.row] = '';
    else if (cmd === 'K') this.screen[this.row] = this.screen[this.row]!.slice(0, this.col);
    while (this.screen.length <= this.row) this.screen.push('');
  }

  /** The screen's lines, trailing blank lines dropped. */
  lines(): string[] {
    const out = this.screen.map((l) => l.trimEnd());
    while (out.length && out.at(-1) === '') out.pop();
    return out;
  }
}
