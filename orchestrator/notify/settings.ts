/** Settings of the e-mail alerts observer. */
import { z } from 'zod';
import { durationSchema, setting, type SettingSpec } from '../setting-spec.js';

const addressList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((a) => a.trim()).filter(Boolean))
  .pipe(z.array(z.string().email('expected e-mail addresses')).min(1, 'expected at least one address'));

export const notifyToSpec = setting<string[]>({
  key: 'runner.notify.email.to',
  schema: addressList as unknown as z.ZodType<string[]>,
  type: 'string[]',
  description:
    'Who gets the e-mail alert: a list of addresses or one comma-separated string. When set, one e-mail is sent per ' +
    'night that ended with a failed, timed-out or skipped job.',
});

export const notifyFromSpec = setting<string>({
  key: 'runner.notify.email.from',
  schema: z.string().min(3),
  type: 'string',
  default: 'os2mo-job-runner@localhost',
  description: 'Sender of the alert, e.g. `"Job runner <jobrunner@kommune.dk>"`.',
});

export const notifySmtpUrlSpec = setting<string>({
  key: 'runner.notify.email.smtp_url',
  schema: z
    .string()
    .regex(
      /^smtps?:\/\/[^\s]+$/,
      'expected smtp://[user:password@]host[:port] or smtps://…',
    ) as z.ZodType<string>,
  type: 'URL',
  default: 'smtp://localhost:25',
  secret: true,
  description:
    'SMTP server: `smtp://user:password@host:587` (STARTTLS whenever the server offers it; add `?requireTLS=true` ' +
    'to refuse sending without it) or `smtps://…:465` (TLS from the start). Secret: it holds the password.',
});

export const notifyOnSpec = setting<'problems' | 'always'>({
  key: 'runner.notify.on',
  schema: z.enum(['problems', 'always']),
  type: '`problems` | `always`',
  default: 'problems',
  description:
    '`problems`: e-mail only when a job failed, timed out or was skipped; `always`: after every night.',
});

export const notifyTimeoutSpec = setting<number>({
  key: 'runner.notify.timeout',
  schema: durationSchema,
  type: 'duration',
  default: 30_000,
  description:
    'How long sending the alert may take before it is given up (logged; the run result is unchanged).',
});

export const municipalityNameSpec = setting<string>({
  key: 'municipality.name',
  schema: z.string().min(1),
  type: 'string',
  description: 'Name of the municipality, shown in the subject of e-mail alerts (fallback: the host name).',
});

export const notifySettings: SettingSpec[] = [
  notifyToSpec,
  notifyFromSpec,
  notifySmtpUrlSpec,
  notifyOnSpec,
  notifyTimeoutSpec,
  municipalityNameSpec,
] as SettingSpec[];
