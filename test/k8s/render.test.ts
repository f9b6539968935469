/**
 * `k8s render` and `k8s check` (specs/hosting.md §6): A1 the DAG equals the plan, A2 a golden bundle, A3 no
 * secret value in any file, A4 refusals naming the key, A6 every object valid (schemas + our rules), A7 broken
 * copies rejected.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parse, parseAllDocuments } from 'yaml';
import { allJobs, allSpecs } from '../../orchestrator/all-jobs.js';
import { SettingsProblemsError } from '../../orchestrator/errors.js';
import { checkTexts, dependsTargets } from '../../orchestrator/k8s/check.js';
import { renderBundle, type Bundle } from '../../orchestrator/k8s/render.js';
import { buildPlan } from '../../orchestrator/plan.js';
import { Settings } from '../../orchestrator/settings-store.js';
import { loadSettings } from '../../orchestrator/settings.js';

const OPTS = { namespace: 'andeby', image: 'registry.example/job-runner:1.0' };
const GOLDEN = path.join('test', 'k8s', 'golden');

function settingsFrom(file: string, extra: Record<string, unknown> = {}): Settings {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  return new Settings({ 'municipality.name': 'Andeby Kommune', ...raw, ...extra }, file);
}

function render(settings: Settings, engine: 'argo' | 'cronjob' = 'argo'): Bundle {
  const jobs = allJobs(settings);
  return renderBundle(jobs, settings, allSpecs(jobs), { ...OPTS, engine });
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const cronWorkflow = (b: Bundle): Obj => parse(b.get('cronworkflow.yaml')!) as Obj;
const dagTasks = (b: Bundle): Obj[] =>
  cronWorkflow(b).spec.workflowSpec.templates.find((t: Obj) => t.name === 'night').dag.tasks as Obj[];

const settingsFiles = [
  'settings.example.json',
  ...fs.readdirSync('test/fixtures-settings').map((f) => path.join('test/fixtures-settings', f)),
  ...fs.readdirSync('examples').map((f) => path.join('examples', f)),
].filter((f) => f.endsWith('.json'));

describe('k8s render: the DAG is the plan (A1)', () => {
  for (const file of settingsFiles) {
    it(file, () => {
      const settings = settingsFrom(file);
      const plan = buildPlan(allJobs(settings), settings);
      const tasks = dagTasks(render(settings));
      const byJob = new Map(
        tasks.filter((t) => t.template === 'job').map((t) => [t.arguments.parameters[0].value as string, t]),
      );
      expect([...byJob.keys()].sort()).to.deep.equal(plan.nodes.map((n) => n.name).sort());
      const task = (job: string) => job.replaceAll('_', '-');
      for (const node of plan.nodes) {
        const depends = byJob.get(node.name)!.depends as string;
        expect(depends.startsWith('anchor.Daemoned && night-begin.Succeeded')).to.equal(true);
        const succeeded = [...depends.matchAll(/(?:^|&& )([a-z0-9-]+)\.Succeeded(?= &&|$)/g)]
          .map((m) => m[1])
          .filter((t) => t !== 'night-begin');
        expect(succeeded.sort(), `${node.name} needs`).to.deep.equal(node.needs.map(task).sort());
        const anyFinal = [
          ...depends.matchAll(
            /\(([a-z0-9-]+)\.Succeeded \|\| \1\.Failed \|\| \1\.Errored \|\| \1\.Skipped \|\| \1\.Omitted\)/g,
          ),
        ].map((m) => m[1]);
        expect(anyFinal.sort(), `${node.name} after`).to.deep.equal(node.after.map(task).sort());
      }
    });
  }
});

describe('k8s render: bundle', () => {
  it('equals the golden bundle for settings.example.json (A2; regenerate with UPDATE_GOLDEN=1)', () => {
    const bundle = render(settingsFrom('settings.example.json'));
    if (process.env.UPDATE_GOLDEN === '1') {
      fs.rmSync(GOLDEN, { recursive: true, force: true });
      fs.mkdirSync(GOLDEN, { recursive: true });
      for (const [f, text] of bundle) fs.writeFileSync(path.join(GOLDEN, f), text);
    }
    expect([...bundle.keys()].sort()).to.deep.equal(fs.readdirSync(GOLDEN).sort());
    for (const [f, text] of bundle) expect(text, f).to.equal(fs.readFileSync(path.join(GOLDEN, f), 'utf8'));
  });

  it('writes no secret value anywhere; every secret key is a secretKeyRef listed in SECRETS.md (A3)', () => {
    const secretKeys = allSpecs(allJobs(new Settings({}, 'x')))
      .filter((s) => s.secret && !s.key.includes('<'))
      .map((s) => s.key);
    const markers = Object.fromEntries(secretKeys.map((k, i) => [k, `MARKER-${i}-${k.length}-zz`]));
    const settings = settingsFrom('settings.example.json', {
      ...markers,
      'exporters.custom.api_key': 'MARKER-heuristic-zz',
    });
    for (const engine of ['argo', 'cronjob'] as const) {
      const bundle = render(settings, engine);
      const all = [...bundle.values()].join('\n');
      for (const marker of [...Object.values(markers), 'MARKER-heuristic-zz'])
        expect(all).to.not.include(marker);
      const secretsMd = bundle.get('SECRETS.md')!;
      const refs = [...all.matchAll(/secretKeyRef:\n\s+name: (\S+)\n\s+key: (\S+)/g)].map(
        (m) => `${m[1]}/${m[2]}`,
      );
      for (const key of [...secretKeys, 'exporters.custom.api_key']) {
        expect(secretsMd, key).to.include(`\`${key}\``);
        const line = secretsMd.split('\n').find((l) => l.startsWith(`| \`${key}\``))!;
        const [, , , secret, secretKey] = line.split('|').map((c) => c.trim().replaceAll('`', ''));
        expect(refs, key).to.include(`${secret}/${secretKey}`);
      }
      expect(
        JSON.parse(parse(bundle.get('configmap.yaml')!).data['settings.json'])['runner.state_dir'],
      ).to.equal('/state/var');
    }
  });

  for (const [name, extra, key] of [
    ['municipality.name unset', { 'municipality.name': null }, 'municipality.name'],
    ['a schedule with L', { 'runner.schedule': '0 2 L * *' }, 'runner.schedule'],
    ['a schedule with seconds', { 'runner.schedule': '0 0 2 * * *' }, 'runner.schedule'],
    ['a schedule with names', { 'runner.schedule': '0 2 * * MON' }, 'runner.schedule'],
    ['an unknown time zone', { 'runner.timezone': 'Europe/Andeby' }, 'runner.timezone'],
    [
      'a job name that collides after _ → -',
      {
        'runner.jobs': {
          'my-export': { stage: 'export', command: 'true' },
          my_export: { stage: 'export', command: 'true' },
        },
      },
      'runner.jobs.my_export',
    ],
    [
      'a job name over 63 characters',
      { 'runner.jobs': { [`x${'y'.repeat(63)}`]: { stage: 'export', command: 'true' } } },
      `runner.jobs.x${'y'.repeat(63)}`,
    ],
  ] as const) {
    it(`refuses ${name} naming ${key.length > 40 ? 'the job' : key} (A4)`, () => {
      const settings = settingsFrom('settings.example.json', extra as Record<string, unknown>);
      let err: unknown;
      try {
        render(settings);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(SettingsProblemsError);
      expect((err as SettingsProblemsError).exitCode).to.equal(2);
      expect((err as Error).message).to.include(`${key}: `);
    });
  }
});

describe('k8s check (A6, A7)', function () {
  this.timeout(60_000);
  it('every rendered object of both engines is valid', async () => {
    for (const file of settingsFiles)
      for (const engine of ['argo', 'cronjob'] as const) {
        const result = await checkTexts(render(settingsFrom(file), engine));
        expect(result.schemaValidated).to.equal(true);
        expect(result.problems, `${file} ${engine}`).to.deep.equal([]);
        expect(result.objects).to.equal(7);
      }
  });

  it('parses depends: names, results, && || ! and parentheses', () => {
    expect(dependsTargets('a.Succeeded && (b.Failed || !c) && d-e.Omitted')).to.deep.equal([
      'a',
      'b',
      'c',
      'd-e',
    ]);
    expect(() => dependsTargets('a.Succeeded && (b')).to.throw(/unbalanced|unexpected/);
    expect(() => dependsTargets('a.Finished')).to.throw(/unknown result/);
    expect(() => dependsTargets('a &&')).to.throw(/unexpected/);
  });

  const mutations: [string, (cw: Obj) => void, RegExp][] = [
    [
      'an underscore task name',
      (cw) => (night(cw).dag.tasks[2].name = 'pre_backup'),
      /task name "pre_backup"|must match pattern/,
    ],
    ['a bad concurrencyPolicy', (cw) => (cw.spec.concurrencyPolicy = 'Never'), /concurrencyPolicy/],
    [
      'a singular schedule',
      (cw) => ((cw.spec.schedule = '0 2 * * *'), delete cw.spec.schedules),
      /schedules/,
    ],
    [
      'a 6-field schedule',
      (cw) => (cw.spec.schedules = ['0 0 2 * * *']),
      /5 \(minute hour day month weekday\)|must match pattern/,
    ],
    [
      'a dangling depends',
      (cw) => (night(cw).dag.tasks[2].depends = 'anchor.Daemoned && ghost.Succeeded'),
      /unknown task ghost/,
    ],
    [
      'a cycle',
      (cw) => {
        const t = night(cw).dag.tasks;
        t[1].depends = `anchor.Daemoned && ${t[2].name}.Succeeded`;
      },
      /cycle/,
    ],
    [
      'a mount without a volume',
      (cw) => (cw.spec.workflowSpec.volumes = cw.spec.workflowSpec.volumes.slice(1)),
      /volumeMount state has no volume/,
    ],
    [
      'a template without a command',
      (cw) => delete template(cw, 'job').container.command,
      /no explicit command/,
    ],
    [
      'a container without a name',
      (cw) => delete template(cw, 'job').container.name,
      /container has no name|must have required property 'name'/,
    ],
    ['failFast left on', (cw) => delete night(cw).dag.failFast, /failFast must be false/],
    ['a bad depends result', (cw) => (night(cw).dag.tasks[2].depends = 'anchor.Done'), /unknown result/],
  ];
  function night(cw: Obj): Obj {
    return template(cw, 'night');
  }
  function template(cw: Obj, name: string): Obj {
    return cw.spec.workflowSpec.templates.find((t: Obj) => t.name === name);
  }
  for (const [what, mutate, expected] of mutations) {
    it(`rejects ${what}`, async () => {
      const bundle = render(settingsFrom('settings.example.json'));
      const cw = cronWorkflow(bundle);
      mutate(cw);
      const docs = parseAllDocuments(bundle.get('cronworkflow.yaml')!);
      expect(docs).to.have.length(1);
      const { stringify } = await import('yaml');
      bundle.set('cronworkflow.yaml', stringify(cw));
      const result = await checkTexts(bundle);
      expect(result.problems.join('\n')).to.match(expected);
    });
  }

  it('k8s check reads a bundle written by k8s render (settings loaded as the CLI does)', async () => {
    const settings = loadSettings({
      file: 'settings.example.json',
      env: { MUNICIPALITY_NAME: 'Andeby' },
      cwd: process.cwd(),
      specs: allSpecs(),
    });
    expect(settings.get('municipality.name')).to.be.a('string');
    expect((await checkTexts(render(settings))).problems).to.deep.equal([]);
  });
});
