import { expect } from 'chai';
import winston from 'winston';
import Transport from 'winston-transport';
import { progressSink } from '../../orchestrator/progress.js';

class Memory extends Transport {
  lines: string[] = [];
  override log(info: { message: string }, next: () => void): void {
    this.lines.push(info.message);
    next();
  }
}

describe('progress', () => {
  it('throttles progress to one log line per interval, plus the final one', async () => {
    const mem = new Memory();
    const logger = winston.createLogger({ transports: [mem] });
    const sink = progressSink(logger, 'job', { logEveryMs: 50 });
    for (let i = 1; i <= 1000; i++) sink.report(i, 2000, 'persons');
    expect(mem.lines).to.deep.equal(['progress: 1/2000 persons (0 %)']);
    await new Promise((r) => setTimeout(r, 60));
    sink.report(1500, 2000, 'persons');
    sink.report(1600, 2000, 'persons');
    sink.report(2000, 2000, 'persons');
    sink.report(7, undefined, 'pages');
    sink.end();
    expect(mem.lines).to.deep.equal([
      'progress: 1/2000 persons (0 %)',
      'progress: 1500/2000 persons (75 %)',
      'progress: 2000/2000 persons (100 %)',
    ]);
  });
});
