import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JobRecord, RunSummary } from '../../orchestrator/events.js';
import { EmailAlertObserver, type EmailAlertOptions } from '../../orchestrator/notify/email-observer.js';
import { composeAlert } from '../../orchestrator/notify/message.js';
import { defaultObservers } from '../../orchestrator/observers.js';
import { makeRedactor } from '../../orchestrator/redact.js';
import { Settings } from '../../orchestrator/settings-store.js';
import { quietNight } from '../helpers/quiet-night.js';
import { bodyOf, startSilentServer, startSmtp, subjectOf, type SmtpStandIn } from './smtp-stand-in.js';

const CPR_RE = /\b\d{6}-?\d{4}\b/;

class Lines {
  lines: { level: string; message: string }[] = [];
  info = (message: string) => this.lines.push({ level: 'info', message });
  warn = (message: string) => this.lines.push({ level: 'warn', message });
  debug = (message: string) => this.lines.push({ level: 'debug', message });
  error = (message: string) => this.lines.push({ level: 'error', message });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-notify-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A failed job's log: 50 lines, CPR numbers and a secret on the last ones. */
function failedLog(): string {
  const file = path.join(tmp, `exports_os2sync-${Math.random().toString(16).slice(2)}.log`);
  const lines = Array.from({ length: 50 }, (_, i) => `2026-11-23T01:0${i % 10}:00Z INFO  line ${i + 1}`);
  lines[45] = '2026-11-23T01:05:00Z ERROR person 010190-1234 rejected';
  lines[46] = '2026-11-23T01:05:00Z ERROR person 2512489996 rejected';
  lines[47] = '2026-11-23T01:05:00Z ERROR token=hunter2-secret-token in header';
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function summary(jobs: JobRecord[]): RunSummary {
  return {
    runId: '20261123T010000Z-abcd',
    trigger: 'schedule',
    status: jobs.some((j) => j.status !== 'succeeded') ? 'failed' : 'succeeded',
    startedAt: new Date('2026-11-23T01:00:00Z'),
    finishedAt: new Date('2026-11-23T01:42:00Z'),
    exitCode: jobs.some((j) => j.status !== 'succeeded') ? 1 : 0,
    jobs,
    logDir: '/var/lib/job-runner/logs/20261123T010000Z-abcd',
  };
}

const problemJobs = (): JobRecord[] => [
  { name: 'imports_sd_changed_at', stage: 'import', status: 'succeeded', durationMs: 61_000 },
  {
    name: 'exports_os2sync',
    stage: 'export',
    status: 'failed',
    durationMs: 125_000,
    message: 'OS2sync rejected person 010190-1234',
    logPath: failedLog(),
  },
  {
    name: 'exports_cpr_uuid',
    stage: 'prepare',
    status: 'timed_out',
    durationMs: 3_600_000,
    message: 'timed out after 1h',
  },
  {
    name: 'reports_csv',
    stage: 'report',
    status: 'skipped',
    message: 'prerequisite exports_cpr_uuid timed_out',
  },
  { name: 'exports_historic_sql_export', stage: 'export', status: 'disabled' },
];

function options(
  smtpUrl: string,
  overrides: Partial<EmailAlertOptions> = {},
): EmailAlertOptions & { logger: Lines } {
  return {
    to: ['drift@andeby.dk', 'it@andeby.dk'],
    from: 'Job runner <jobrunner@andeby.dk>',
    smtpUrl,
    on: 'problems',
    timeoutMs: 5000,
    municipality: 'Andeby Kommune',
    timeZone: 'Europe/Copenhagen',
    redact: makeRedactor(['hunter2-secret-token', 'smtp-pa55word']),
    logger: new Lines(),
    ...overrides,
  } as EmailAlertOptions & { logger: Lines };
}

describe('notify/e-mail alerts', () => {
  let smtp: SmtpStandIn;
  let url: string;
  beforeEach(async () => {
    smtp = await startSmtp();
    url = `smtp://alerts:smtp-pa55word@127.0.0.1:${smtp.port}?requireTLS=true&tls.rejectUnauthorized=false`;
  });
  afterEach(async () => {
    await smtp.close();
  });

  it('sends one e-mail over STARTTLS with auth: subject with municipality and counts, table, last 30 log lines, paths; no CPR', async () => {
    const opts = options(url);
    const observer = new EmailAlertObserver(opts);
    const jobs = problemJobs();
    await observer.onRunEnd(summary(jobs));
    expect(observer.lastOutcome).to.equal('sent');
    expect(smtp.mails).to.have.length(1);
    const mail = smtp.mails[0]!;
    expect(mail.secure).to.equal(true);
    expect(mail.user).to.equal('alerts');
    expect(mail.from).to.equal('jobrunner@andeby.dk');
    expect(mail.to).to.deep.equal(['drift@andeby.dk', 'it@andeby.dk']);
    const subject = subjectOf(mail.raw);
    expect(subject).to.equal(
      '[job-runner] Andeby Kommune: 1 failed, 1 timed out, 1 skipped of 4 jobs (night of 2026-11-23 02:00)',
    );
    const body = bodyOf(mail.raw);
    expect(body).to.contain('Run 20261123T010000Z-abcd (schedule) in Andeby Kommune: failed, exit code 1.');
    expect(body).to.match(/^exports_os2sync\s+export\s+failed\s+2m05s\s+OS2sync rejected person \[cpr\]$/m);
    expect(body).to.match(/^exports_cpr_uuid\s+prepare\s+timed_out\s+1h00m\s+timed out after 1h$/m);
    expect(body).to.match(/^reports_csv\s+report\s+skipped\s+prerequisite exports_cpr_uuid timed_out$/m);
    expect(body).not.to.contain('exports_historic_sql_export');
    expect(body).to.contain(`Log: ${jobs[1]!.logPath}`);
    expect(body).to.contain('Last 30 log lines:');
    expect(body).to.contain('line 21');
    expect(body).not.to.match(/line 20\b/);
    expect(body).to.contain('line 50');
    expect(body).to.contain('person [cpr] rejected');
    expect(body).to.contain('token=[secret] in header');
    expect(body).to.contain('--- exports_cpr_uuid (timed_out) ---');
    expect(body).to.contain('Logs of this run: /var/lib/job-runner/logs/20261123T010000Z-abcd');
    expect(mail.raw).not.to.match(CPR_RE);
    expect(body).not.to.match(CPR_RE);
    expect(mail.raw).not.to.contain('hunter2-secret-token');
    expect(opts.logger.lines.map((l) => l.message)).to.deep.equal([
      'alert e-mail sent to drift@andeby.dk, it@andeby.dk',
    ]);
  });

  it('sends nothing after a good night, and after every night with runner.notify.on: always', async () => {
    const good: JobRecord[] = [
      { name: 'reports_csv', stage: 'report', status: 'succeeded', durationMs: 1000 },
    ];
    const quiet = new EmailAlertObserver(options(url));
    await quiet.onRunEnd(summary(good));
    expect(quiet.lastOutcome).to.equal('not-needed');
    expect(smtp.mails).to.have.length(0);
    const always = new EmailAlertObserver(options(url, { on: 'always' }));
    await always.onRunEnd(summary(good));
    expect(smtp.mails).to.have.length(1);
    expect(subjectOf(smtp.mails[0]!.raw)).to.equal(
      '[job-runner] Andeby Kommune: all 1 jobs succeeded (night of 2026-11-23 02:00)',
    );
  });

  it('wrong SMTP password: one warning without the password, no throw', async () => {
    const opts = options(url.replace('smtp-pa55word', 'wrong-pa55word'), {
      redact: makeRedactor(['wrong-pa55word']),
    });
    await new EmailAlertObserver(opts).onRunEnd(summary(problemJobs()));
    expect(smtp.mails).to.have.length(0);
    expect(opts.logger.lines).to.have.length(1);
    expect(opts.logger.lines[0]!.level).to.equal('warn');
    expect(opts.logger.lines[0]!.message).to.match(
      /^alert e-mail to .* via smtp:\/\/127\.0\.0\.1:\d+ not sent after \d+ ms: /,
    );
    expect(opts.logger.lines[0]!.message).not.to.contain('wrong-pa55word');
  });
});

describe('notify/e-mail alerts when SMTP is unreachable', () => {
  it('a closed port: one warning, resolves quickly', async () => {
    const gone = await startSilentServer();
    const port = gone.port;
    await gone.close();
    const opts = options(`smtp://127.0.0.1:${port}`);
    const observer = new EmailAlertObserver(opts);
    const started = Date.now();
    await observer.onRunEnd(summary(problemJobs()));
    expect(Date.now() - started).to.be.lessThan(3000);
    expect(observer.lastOutcome).to.equal('failed');
    expect(opts.logger.lines).to.have.length(1);
    expect(opts.logger.lines[0]!.message).to.match(/not sent after \d+ ms: .*ECONNREFUSED/);
  });

  it('a server that never answers: gives up within its own timeout', async () => {
    const silent = await startSilentServer();
    try {
      const opts = options(`smtp://127.0.0.1:${silent.port}`, { timeoutMs: 400 });
      const started = Date.now();
      await new EmailAlertObserver(opts).onRunEnd(summary(problemJobs()));
      const elapsed = Date.now() - started;
      expect(elapsed).to.be.at.least(350).and.lessThan(3000);
      expect(opts.logger.lines).to.have.length(1);
      expect(opts.logger.lines[0]!.message).to.match(/not sent after \d+ ms/);
    } finally {
      await silent.close();
    }
  });
});

describe('notify through a real run (engine + command jobs)', () => {
  function settingsFor(stateDir: string, smtpUrl: string, extra: Record<string, unknown> = {}) {
    return new Settings(
      {
        'runner.state_dir': stateDir,
        'municipality.name': 'Andeby Kommune',
        'runner.notify.email.to': 'drift@andeby.dk',
        'runner.notify.email.from': 'jobrunner@andeby.dk',
        'runner.notify.email.smtp_url': smtpUrl,
        'runner.notify.timeout': '2s',
        'runner.jobs': {
          good: { stage: 'export', command: 'echo all fine' },
          leaky: { stage: 'export', command: 'echo "bad person 1111111118 and 111111-1118"; exit 4' },
        },
        ...extra,
      },
      path.join(tmp, 'settings.json'),
    );
  }

  it('a failed night sends one e-mail with the redacted log tail; the result is unchanged', async () => {
    const smtp = await startSmtp();
    try {
      const settings = settingsFor(
        path.join(tmp, 'run-ok'),
        `smtp://alerts:smtp-pa55word@127.0.0.1:${smtp.port}?tls.rejectUnauthorized=false`,
      );
      const result = await quietNight(settings, { root: tmp });
      expect(result.exitCode).to.equal(1);
      expect(smtp.mails).to.have.length(1);
      const body = bodyOf(smtp.mails[0]!.raw);
      expect(subjectOf(smtp.mails[0]!.raw)).to.match(/^\[job-runner\] Andeby Kommune: 1 failed of 2 jobs/);
      expect(body).to.contain('--- leaky (failed) ---');
      expect(body).to.contain(path.join(result.logDir, 'leaky.log'));
      expect(body).to.contain('bad person [cpr] and [cpr]');
      expect(body).not.to.match(CPR_RE);
      expect(smtp.mails[0]!.raw).not.to.match(CPR_RE);
    } finally {
      await smtp.close();
    }
  });

  it('SMTP unreachable: the run result is the same, and the failure is one line in run.jsonl', async () => {
    const gone = await startSilentServer();
    await gone.close();
    const settings = settingsFor(
      path.join(tmp, 'run-dead'),
      `smtp://alerts:smtp-pa55word@127.0.0.1:${gone.port}`,
    );
    const started = Date.now();
    const result = await quietNight(settings, { root: tmp });
    expect(Date.now() - started).to.be.lessThan(10_000);
    expect(result.exitCode).to.equal(1);
    expect(result.jobs.find((j) => j.name === 'good')?.status).to.equal('succeeded');
    const lines = fs
      .readFileSync(path.join(result.logDir, 'run.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('alert e-mail'));
    expect(lines).to.have.length(1);
    expect(lines[0]).to.contain('not sent');
    expect(lines[0]).not.to.contain('smtp-pa55word');
  });

  it('bad notify settings disable alerts with one warning naming the key', () => {
    const log = new Lines();
    const observers = defaultObservers(
      new Settings({ 'runner.notify.email.to': 'not-an-address' }, 'test'),
      log as never,
    );
    expect(observers).to.have.length(0);
    expect(log.lines.map((l) => l.message)).to.deep.equal([
      'e-mail alerts disabled: runner.notify.email.to: expected e-mail addresses (expected string[])',
    ]);
    const ok = defaultObservers(new Settings({ 'runner.notify.email.to': ['a@b.dk'] }, 'test'), log as never);
    expect(ok).to.have.length(1);
  });

  it('composeAlert falls back cleanly for a job without a log file', () => {
    const text = composeAlert(summary([{ name: 'x', stage: 'export', status: 'failed', message: 'boom' }]), {
      municipality: 'M',
      timeZone: 'UTC',
      redact: (s) => s,
    });
    expect(text.text).to.contain('--- x (failed) ---\nNo log file.');
    expect(text.subject).to.equal('[job-runner] M: 1 failed of 1 jobs (night of 2026-11-23 01:00)');
  });
});
