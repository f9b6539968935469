/**
 * E-mail alert observer: after a night with a failed, timed-out or skipped job (or after every night with
 * `runner.notify.on: always`), one e-mail over SMTP with nodemailer. Sending is bounded by its own timeout;
 * a failure is one line in the run log (console and run.jsonl) and never changes the run's result.
 */
import type { RunObserver, RunSummary } from '../events.js';
import { composeAlert, hasProblems } from './message.js';

export interface EmailAlertOptions {
  to: string[];
  from: string;
  smtpUrl: string;
  on: 'problems' | 'always';
  timeoutMs: number;
  municipality: string;
  timeZone: string;
  redact: (text: string) => string;
  logger: { info(message: string): unknown; warn(message: string): unknown };
}

/** The SMTP URL with nodemailer's own socket timeouts capped by ours, so a hung server is let go. */
function transportUrl(smtpUrl: string, timeoutMs: number): string {
  const url = new URL(smtpUrl);
  for (const key of ['connectionTimeout', 'greetingTimeout', 'socketTimeout']) {
    if (!url.searchParams.has(key)) url.searchParams.set(key, String(timeoutMs));
  }
  return url.toString();
}

/** Host and port only, for messages (the URL holds the password). */
function shownServer(smtpUrl: string): string {
  try {
    const url = new URL(smtpUrl);
    return `${url.protocol}//${url.host}`;
  } catch {
    return 'the SMTP server';
  }
}

export class EmailAlertObserver implements RunObserver {
  /** Outcome of the last attempt (tests, diagnostics). */
  lastOutcome: 'sent' | 'not-needed' | 'failed' | undefined;

  constructor(private readonly opts: EmailAlertOptions) {}

  async onRunEnd(summary: RunSummary): Promise<void> {
    const { opts } = this;
    if (opts.on !== 'always' && !hasProblems(summary)) {
      this.lastOutcome = 'not-needed';
      return;
    }
    const started = Date.now();
    try {
      const { subject, text } = composeAlert(summary, opts);
      await this.send(subject, text);
      this.lastOutcome = 'sent';
      opts.logger.info(`alert e-mail sent to ${opts.to.join(', ')}`);
    } catch (err) {
      this.lastOutcome = 'failed';
      const why = err instanceof Error ? err.message : String(err);
      opts.logger.warn(
        opts.redact(
          `alert e-mail to ${opts.to.join(', ')} via ${shownServer(opts.smtpUrl)} not sent after ` +
            `${Date.now() - started} ms: ${why.split('\n')[0]}`,
        ),
      );
    }
  }

  private async send(subject: string, text: string): Promise<void> {
    const { opts } = this;
    // loaded when an alert is sent, not by every run that only might send one
    const { default: nodemailer } = await import('nodemailer');
    const transporter = nodemailer.createTransport(transportUrl(opts.smtpUrl, opts.timeoutMs));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    });
    try {
      await Promise.race([transporter.sendMail({ from: opts.from, to: opts.to, subject, text }), timeout]);
    } finally {
      clearTimeout(timer);
      transporter.close();
    }
  }
}
