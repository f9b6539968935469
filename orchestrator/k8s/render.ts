/**
 * `job-runner k8s render` (specs/hosting.md §5): the per-municipality kustomize bundle, generated from the same
 * plan the in-process runner executes. Engine `argo`: a CronWorkflow with one DAG task per job (`needs` →
 * `X.Succeeded`, `after` → any final state, failFast false, Forbid + mutex, the DST guard, an anchor pod that pins
 * the night to one node). Engine `cronjob`: one CronJob running the whole night in one pod. No secret value is
 * ever written: secret keys become `secretKeyRef`s listed in SECRETS.md.
 */
import { stringify } from 'yaml';
// Types only (development dependency): typos in the generated objects fail `npm run typecheck`.
import type { ICronWorkflow } from '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/CronWorkflow';
import type { JobDefinition } from '../job.js';
import type { SettingSpec } from '../setting-spec.js';
import { SettingsError, type Settings } from '../settings-store.js';
import { SettingsProblemsError } from '../errors.js';
import { buildPlan, type Plan } from '../plan.js';
import {
  alwaysSecretKeyPattern,
  concurrencySpec,
  jobTimeoutMs,
  killGraceSpec,
  scheduleSpec,
  timezoneSpec,
} from '../runner-settings.js';
import { catchUpSpec } from '../scheduler/settings.js';
import { municipalityNameSpec } from '../notify/settings.js';
import { envNameFor } from '../settings.js';
import { taskNames } from './names.js';
import { k8sSchedule } from './schedule.js';

export type Engine = 'argo' | 'cronjob';

export interface RenderOptions {
  namespace: string;
  image: string;
  storageClass?: string;
  pvcSize?: string;
  engine?: Engine;
}

/** File name → content. */
export type Bundle = Map<string, string>;

export const STATE_MOUNT = '/state';
export const STATE_DIR = '/state/var';
export const SETTINGS_DIR = '/etc/job-runner';
export const SETTINGS_FILE = `${SETTINGS_DIR}/settings.json`;
export const RESERVED_TASKS = ['anchor', 'night-begin', 'night-end'];
const LABEL = 'job-runner.os2mo';

/** Where each secret key's value comes from: the chart's Keycloak secret for the client secret, ours for the rest. */
export interface SecretRef {
  key: string;
  env: string;
  secret: string;
  secretKey: string;
}

function secretRefs(settings: Settings, specs: readonly SettingSpec[]): SecretRef[] {
  const secretKeys = new Set(specs.filter((s) => s.secret).map((s) => s.key));
  return Object.keys(settings.raw)
    .filter(
      (k) =>
        settings.raw[k] !== null &&
        settings.raw[k] !== '' &&
        (secretKeys.has(k) || alwaysSecretKeyPattern.test(k)),
    )
    .sort()
    .map((key) =>
      key === 'crontab.CLIENT_SECRET'
        ? { key, env: 'CLIENT_SECRET', secret: 'keycloak-dipex-secret', secretKey: 'client_secret' }
        : {
            key,
            env: envNameFor(key).toUpperCase(),
            secret: 'job-runner-secrets',
            secretKey: key.replace(/[^-._a-zA-Z0-9]/g, '-'),
          },
    );
}

/** settings.json for the ConfigMap: every non-secret key, the state dir inside the volume. */
function configSettings(settings: Settings, secrets: SecretRef[]): Record<string, unknown> {
  const drop = new Set(secrets.map((s) => s.key));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(settings.raw).sort()) if (!drop.has(k)) out[k] = settings.raw[k];
  out['runner.state_dir'] = STATE_DIR;
  return out;
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/æ/g, 'ae')
    .replace(/ø/g, 'oe')
    .replace(/å/g, 'aa')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

/** `depends` of one job: the anchor and night-begin, every need Succeeded, every `after` in any final state. */
export function dependsOf(node: Plan['nodes'][number], task: Map<string, string>): string {
  const terms = ['anchor.Daemoned', 'night-begin.Succeeded'];
  for (const n of node.needs) terms.push(`${task.get(n)}.Succeeded`);
  for (const a of node.after) {
    const t = task.get(a)!;
    terms.push(`(${t}.Succeeded || ${t}.Failed || ${t}.Errored || ${t}.Skipped || ${t}.Omitted)`);
  }
  return terms.join(' && ');
}

/** A runner key's value; an invalid one is a settings problem (exit 2) naming it. */
function valueOf<T>(settings: Settings, spec: SettingSpec<T>): T {
  try {
    return settings.value(spec);
  } catch (err) {
    if (err instanceof SettingsError)
      throw new SettingsProblemsError([{ key: err.key, message: err.message.slice(err.key.length + 2) }]);
    throw err;
  }
}

const yamlText = (docs: object[]): string =>
  docs.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');

export function renderBundle(
  jobs: readonly JobDefinition[],
  settings: Settings,
  specs: readonly SettingSpec[],
  opts: RenderOptions,
): Bundle {
  const engine = opts.engine ?? 'argo';
  const problems = [];
  const municipality = valueOf(settings, municipalityNameSpec);
  if (!municipality)
    problems.push({
      key: municipalityNameSpec.key,
      message: 'is required for Kubernetes (alerts and metrics name the municipality, not the pod)',
    });
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(opts.namespace) || opts.namespace.length > 63)
    problems.push({ key: '--namespace', message: `"${opts.namespace}" is not a DNS-1123 label` });
  if (problems.length) throw new SettingsProblemsError(problems);
  const schedule = k8sSchedule(valueOf(settings, scheduleSpec), valueOf(settings, timezoneSpec));
  const plan = buildPlan(jobs, settings);
  const task = taskNames(
    plan.nodes.map((n) => n.name),
    RESERVED_TASKS,
  );
  const secrets = secretRefs(settings, specs);
  const labels = { 'app.kubernetes.io/name': 'job-runner', [`${LABEL}/municipality`]: slug(municipality) };
  const env = [
    { name: 'CUSTOMER_SETTINGS', value: SETTINGS_FILE },
    ...secrets.map((s) => ({
      name: s.env,
      valueFrom: { secretKeyRef: { name: s.secret, key: s.secretKey } },
    })),
  ];
  const volumeMounts = [
    { name: 'state', mountPath: STATE_MOUNT },
    { name: 'settings', mountPath: SETTINGS_DIR, readOnly: true },
  ];
  const volumes = [
    { name: 'state', persistentVolumeClaim: { claimName: 'job-runner-state' } },
    { name: 'settings', configMap: { name: 'job-runner-settings', defaultMode: 0o440 } },
  ];
  const securityContext = { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 };
  const container = (args: string[], extra: Record<string, unknown> = {}) => ({
    name: 'main',
    image: opts.image,
    command: ['job-runner'],
    args,
    env,
    volumeMounts,
    ...extra,
  });
  const files: Bundle = new Map();
  const resources: string[] = [];
  const add = (file: string, docs: object[]) => {
    files.set(file, yamlText(docs));
    resources.push(file);
  };

  add('serviceaccount.yaml', [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'job-runner', labels } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'job-runner', labels },
      rules: [{ apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'job-runner', labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'job-runner' },
      subjects: [{ kind: 'ServiceAccount', name: 'job-runner' }],
    },
  ]);
  add('pvc.yaml', [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'job-runner-state', labels },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: opts.pvcSize ?? '5Gi' } },
        ...(opts.storageClass ? { storageClassName: opts.storageClass } : {}),
      },
    },
  ]);
  add('configmap.yaml', [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'job-runner-settings', labels },
      data: { 'settings.json': `${JSON.stringify(configSettings(settings, secrets), null, 2)}\n` },
    },
  ]);

  const catchUpSeconds = Math.round(settings.value(catchUpSpec) / 1000);
  const graceSeconds = Math.ceil(settings.value(killGraceSpec) / 1000);
  if (engine === 'argo') {
    const anchorAffinity = {
      podAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          {
            labelSelector: { matchLabels: { [`${LABEL}/anchor`]: '{{workflow.name}}' } },
            topologyKey: 'kubernetes.io/hostname',
          },
        ],
      },
    };
    const tasks = [
      { name: 'anchor', template: 'anchor' },
      { name: 'night-begin', template: 'night-begin', depends: 'anchor.Daemoned' },
      ...plan.nodes.map((n) => ({
        name: task.get(n.name)!,
        template: 'job',
        depends: dependsOf(n, task),
        arguments: {
          parameters: [
            { name: 'job', value: n.name },
            {
              name: 'deadline',
              value: String(Math.ceil(jobTimeoutMs(settings, n.def) / 1000) + graceSeconds + 60),
            },
          ],
        },
      })),
    ];
    const cronWorkflow: ICronWorkflow = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'CronWorkflow',
      metadata: { name: 'job-runner', labels },
      spec: {
        schedules: schedule.schedules,
        timezone: schedule.timezone,
        when: schedule.when,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: catchUpSeconds,
        successfulJobsHistoryLimit: 7,
        failedJobsHistoryLimit: 14,
        workflowMetadata: { labels },
        workflowSpec: {
          entrypoint: 'night',
          onExit: 'night-end',
          serviceAccountName: 'job-runner',
          parallelism: settings.value(concurrencySpec),
          synchronization: { mutexes: [{ name: 'job-runner-night' }] },
          podGC: { strategy: 'OnPodSuccess' },
          ttlStrategy: { secondsAfterCompletion: 7 * 86400 },
          securityContext,
          volumes,
          templates: [
            { name: 'night', dag: { failFast: false, tasks } },
            {
              name: 'anchor',
              daemon: true,
              metadata: { labels: { [`${LABEL}/anchor`]: '{{workflow.name}}' } },
              container: {
                name: 'main',
                image: opts.image,
                command: ['sleep'],
                args: ['infinity'],
                volumeMounts,
                resources: { requests: { cpu: '10m', memory: '16Mi' } },
              },
            },
            {
              name: 'night-begin',
              affinity: anchorAffinity,
              container: container(['night', 'begin', '--run-id', '{{workflow.name}}']),
            },
            {
              name: 'job',
              inputs: { parameters: [{ name: 'job' }, { name: 'deadline' }] },
              metadata: { labels: { [`${LABEL}/job`]: '{{inputs.parameters.job}}' } },
              activeDeadlineSeconds: '{{inputs.parameters.deadline}}',
              retryStrategy: {
                limit: '2',
                retryPolicy: 'OnError',
                backoff: { duration: '1m', factor: '2' },
              },
              affinity: anchorAffinity,
              container: container(['task', '{{inputs.parameters.job}}', '--run-id', '{{workflow.name}}'], {
                resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
              }),
            },
            {
              name: 'night-end',
              container: container([
                'night',
                'end',
                '--run-id',
                '{{workflow.name}}',
                '--engine-status',
                '{{workflow.status}}',
              ]),
            },
          ],
        },
      },
    };
    add('cronworkflow.yaml', [cronWorkflow]);
  } else {
    add('cronjob.yaml', [
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'job-runner', labels },
        spec: {
          schedule: schedule.schedules[0],
          timeZone: schedule.timezone,
          concurrencyPolicy: 'Forbid',
          startingDeadlineSeconds: catchUpSeconds,
          successfulJobsHistoryLimit: 7,
          failedJobsHistoryLimit: 14,
          jobTemplate: {
            metadata: { labels },
            spec: {
              backoffLimit: 0,
              template: {
                metadata: { labels },
                spec: {
                  restartPolicy: 'Never',
                  serviceAccountName: 'job-runner',
                  securityContext,
                  volumes,
                  containers: [
                    container(['run'], {
                      resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '2Gi' } },
                    }),
                  ],
                },
              },
            },
          },
        },
      },
    ]);
  }
  add('toolbox.yaml', [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'job-runner-toolbox', labels },
      spec: {
        replicas: 0,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: { 'app.kubernetes.io/name': 'job-runner-toolbox' } },
        template: {
          metadata: { labels: { ...labels, 'app.kubernetes.io/name': 'job-runner-toolbox' } },
          spec: {
            serviceAccountName: 'job-runner',
            securityContext,
            volumes,
            containers: [{ ...container([]), command: ['sleep'], args: ['infinity'] }],
          },
        },
      },
    },
  ]);
  files.set(
    'kustomization.yaml',
    stringify(
      {
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        namespace: opts.namespace,
        resources,
      },
      { lineWidth: 0 },
    ),
  );
  files.set('SECRETS.md', secretsDoc(municipality, opts.namespace, secrets));
  return files;
}

function secretsDoc(municipality: string, namespace: string, secrets: SecretRef[]): string {
  const lines = [
    `# Secrets for ${municipality} (namespace \`${namespace}\`)`,
    '',
    'The bundle holds no secret value. Create these keys (e.g. as SOPS or Sealed Secrets in Flux) before the first night;',
    'each is read from the environment variable that overrides its settings key.',
    '',
    '| settings key | environment variable | Secret | key |',
    '| --- | --- | --- | --- |',
    ...secrets.map((s) => `| \`${s.key}\` | \`${s.env}\` | \`${s.secret}\` | \`${s.secretKey}\` |`),
    '',
  ];
  if (secrets.length === 0) lines.splice(5, 3, 'The settings hold no secret keys: nothing to create.', '');
  return lines.join('\n');
}
