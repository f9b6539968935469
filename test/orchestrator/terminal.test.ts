import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { LiveLines, fitWidth } from '../../orchestrator/terminal/live-lines.js';
import { colourWanted, coloursFor } from '../../orchestrator/terminal/colour.js';
import { columnWidths, renderTable, terminalWidth } from '../../orchestrator/terminal/table.js';
import { createRunLogger } from '../../orchestrator/logging.js';
import { progressSink } from '../../orchestrator/progress.js';
import { makeRedactor } from '../../orchestrator/redact.js';
import { displayTime, isoWithOffset, offsetText } from '../../orchestrator/zoned-time.js';
import { statusLines } from '../../orchestrator/status-table.js';
import { Settings } from '../../orchestrator/settings-store.js';
import { makeTempDir } from '../helpers/job-context.js';
import { FakeTerminal } from '../helpers/screen.js';

const tick = () => new Promise((r) => setTimeout(r, 300)); // past the 250 ms throttle of live lines

describe('terminal output', () => {
  describe('live lines (log-update)', () => {
    it('keeps one line per running job below the log; a log line is never glued onto them', () => {
      const term = new FakeTerminal(60);
      const live = new LiveLines(term);
      live.set('a', 'a: 10/100 rows (10 %)');
      live.set('b', 'b: 3 pages');
      expect(term.lines()).to.deep.equal(['a: 10/100 rows (10 %)', 'b: 3 pages']);
      live.print('02:00:03 info [c] started\n');
      live.set('a', 'a: 50/100 rows (50 %)');
      live.print('02:00:04 info [a] halfway\n');
      expect(term.lines()).to.deep.equal([
        '02:00:03 info [c] started',
        '02:00:04 info [a] halfway',
        'a: 50/100 rows (50 %)',
        'b: 3 pages',
      ]);
      live.delete('a');
      live.print('02:00:05 info [a] succeeded\n');
      expect(term.lines()).to.deep.equal([
        '02:00:03 info [c] started',
        '02:00:04 info [a] halfway',
        '02:00:05 info [a] succeeded',
        'b: 3 pages',
      ]);
      live.close();
      expect(term.lines()).to.have.length(3);
    });

    it('cuts each live line to the terminal width instead of wrapping it', () => {
      const term = new FakeTerminal(30);
      const live = new LiveLines(term);
      live.set('snap', 'exports_cache_loracache: 123456 objects fetched (units 12, persons 40)');
      const lines = term.lines();
      expect(lines).to.have.length(1);
      expect(lines[0]).to.equal('exports_cache_loracache: 123…');
      expect([...lines[0]!].length).to.equal(29);
      expect(fitWidth('short', 29)).to.equal('short');
    });

    it('the run logger prints console lines above the progress lines, in the runner time zone', async () => {
      const term = new FakeTerminal(100);
      const live = new LiveLines(term);
      const dir = makeTempDir('jr-term-');
      const runLog = createRunLogger({
        runId: 'r1',
        dir,
        redact: makeRedactor(),
        console: true,
        verbose: false,
        timeZone: 'Europe/Copenhagen',
        colours: coloursFor({ isTTY: true }, {}),
        live,
      });
      const job = runLog.logger.child({ job: 'cache' });
      const sink = progressSink(job, 'cache', { live, logEveryMs: 60_000 });
      sink.report(1, 10, 'pages');
      await tick();
      sink.report(2, 10, 'pages');
      job.info('page 2 had a unit without a name');
      const screen = term.lines();
      expect(screen).to.have.length(3);
      expect(screen[0]).to.match(/^\d\d:\d\d:\d\d info \[cache\] progress: 1\/10 pages \(10 %\)$/);
      expect(screen[1]).to.match(/^\d\d:\d\d:\d\d info \[cache\] page 2 had a unit without a name$/);
      expect(screen[2]).to.equal('cache: 2/10 pages (20 %)');
      expect(term.written).to.contain('\x1b[32minfo\x1b[39m'); // coloured level on a TTY
      sink.end();
      expect(term.lines()).to.have.length(2);
      await runLog.close();
      const fileLine = fs.readFileSync(path.join(dir, 'cache.log'), 'utf8').split('\n')[0]!;
      expect(fileLine).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0[12]:00 INFO {2}progress: 1\/10/);
      const jsonl = JSON.parse(fs.readFileSync(path.join(dir, 'run.jsonl'), 'utf8').split('\n')[0]!);
      expect(jsonl.timestamp).to.match(/\+0[12]:00$/);
      // the console clock is the file clock's wall time
      expect(screen[0]!.slice(0, 8)).to.equal(fileLine.slice(11, 19));
    });
  });

  describe('colour', () => {
    it('follows the stream, NO_COLOR and FORCE_COLOR', () => {
      expect(colourWanted({ isTTY: true }, {})).to.equal(true);
      expect(colourWanted({ isTTY: false }, {})).to.equal(false);
      expect(colourWanted({ isTTY: true }, { NO_COLOR: '1' })).to.equal(false);
      expect(colourWanted({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' })).to.equal(false);
      expect(colourWanted({ isTTY: false }, { FORCE_COLOR: '1' })).to.equal(true);
      expect(colourWanted({ isTTY: true }, { FORCE_COLOR: '0' })).to.equal(false);
      expect(colourWanted({ isTTY: true }, { TERM: 'dumb' })).to.equal(false);
      expect(coloursFor({ isTTY: true }, { NO_COLOR: 'x' }).red('x')).to.equal('x');
      expect(coloursFor({ isTTY: false }, { FORCE_COLOR: '1' }).red('x')).to.equal('\x1b[31mx\x1b[39m');
    });
  });

  describe('tables (cli-table3)', () => {
    const long = 'exit code 4: the peer rejected 12 of 5000 objects; see the log for each rejected object';
    const rows = [
      ['JOB', 'STAGE', 'STATUS', 'MESSAGE'],
      ['exports_os2sync', 'export', 'failed', long],
      ['b', 'prepare', 'succeeded', 'ok'],
    ];

    it('fit 80 columns by wrapping the message column; --wide keeps full lines', () => {
      const lines = renderTable(rows, { wrap: [3], width: 80 });
      for (const l of lines) expect(l.length).to.be.at.most(80);
      expect(lines.length).to.be.greaterThan(3);
      expect(lines[0]).to.match(/^JOB +STAGE +STATUS +MESSAGE$/);
      expect(lines[1]).to.match(/^exports_os2sync +export +failed +exit code 4/);
      expect(lines.join(' ').replace(/\s+/g, ' ')).to.contain('see the log for each rejected');
      const wide = renderTable(rows, { wrap: [3], width: 80, wide: true });
      expect(wide).to.have.length(3);
      expect(wide[1]).to.contain(long);
    });

    it('never narrow a wrapping column below its minimum, nor fixed columns at all', () => {
      expect(columnWidths(rows, { wrap: [3], width: 40 })).to.deep.equal([15, 7, 9, 8]);
      // beside DIPEX's longest job name the status table keeps a readable message column
      const status = statusLines(
        [
          {
            name: 'exports_historic_skip_past_cache_loracache',
            stage: 'export',
            status: 'succeeded',
            started: '2026-12-01T01:00:00Z',
            durationMs: 1200,
            message: long,
            log: null,
          },
        ],
        new Settings({ 'runner.timezone': 'UTC' }, 't'),
        { width: 80 },
      );
      expect(status[1]).to.match(
        /^exports_historic_skip_past_cache_loracache +export +succeeded .* exit code 4: the peer$/,
      );
      expect(terminalWidth({ isTTY: true, columns: 132 }, {})).to.equal(132);
      expect(terminalWidth({ isTTY: false }, { COLUMNS: '100' })).to.equal(100);
      expect(terminalWidth({ isTTY: false }, {})).to.equal(80);
    });
  });

  describe('one clock', () => {
    it('ISO 8601 with the offset of runner.timezone, winter and summer', () => {
      const winter = new Date('2026-12-01T01:00:03.045Z');
      const summer = new Date('2026-07-01T00:00:03Z');
      expect(isoWithOffset(winter, 'Europe/Copenhagen')).to.equal('2026-12-01T02:00:03+01:00');
      expect(isoWithOffset(winter, 'Europe/Copenhagen', { millis: true })).to.equal(
        '2026-12-01T02:00:03.045+01:00',
      );
      expect(isoWithOffset(summer, 'Europe/Copenhagen')).to.equal('2026-07-01T02:00:03+02:00');
      expect(displayTime(winter, 'UTC')).to.equal('2026-12-01 01:00:03 +00:00');
      expect(offsetText(winter, 'America/St_Johns')).to.equal('-03:30');
    });

    it('stamps many lines in one second per zone, and each new second and zone afresh (across a DST change)', () => {
      const lines = [
        ['2026-10-25T00:59:59.100Z', 'Europe/Copenhagen', '2026-10-25T02:59:59.100+02:00'],
        ['2026-10-25T00:59:59.900Z', 'Europe/Copenhagen', '2026-10-25T02:59:59.900+02:00'],
        ['2026-10-25T00:59:59.950Z', 'America/St_Johns', '2026-10-24T22:29:59.950-02:30'],
        ['2026-10-25T01:00:00.000Z', 'Europe/Copenhagen', '2026-10-25T02:00:00.000+01:00'],
        ['2026-10-25T01:00:00.999Z', 'Europe/Copenhagen', '2026-10-25T02:00:00.999+01:00'],
        ['2026-10-25T00:59:59.999Z', 'Europe/Copenhagen', '2026-10-25T02:59:59.999+02:00'],
      ];
      for (const [iso, zone, want] of lines)
        expect(isoWithOffset(new Date(iso!), zone!, { millis: true })).to.equal(want);
    });
  });
});
