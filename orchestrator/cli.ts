/**
 * `job-runner`: the operators' interface (DESIGN §5). Commands load lazily so `list` and `status` stay
 * fast. Expected errors map to exit codes here, in one place: one line on stderr, never a stack trace.
 */
import { Command, CommanderError, Option } from 'commander';
import { diskError, ExitError } from './errors.js';
import { makeRedactor } from './redact.js';
import { packageVersion } from './version.js';

const redactCpr = makeRedactor();
import type { GlobalOptions } from './commands/context.js';

function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

let result: Promise<number> | undefined;
function start(fn: () => Promise<number>): void {
  result = fn();
}

export function buildProgram(): Command {
  const program = new Command('job-runner')
    .description('Nightly batch job orchestrator for OS2mo')
    .option('--settings <file>', 'settings file (default: $CUSTOMER_SETTINGS, else ./settings.json)')
    .option('--verbose', 'more output (debug lines, command output on the console)')
    .version(packageVersion(), '--version', 'print the version and exit')
    .showHelpAfterError()
    .exitOverride();

  // `job-runner exports_os2sync`: DIPEX's `job-runner.sh JOB` habit
  program.on('command:*', (operands: string[]) =>
    start(async () =>
      (await import('./commands/unknown-command.js')).unknownCommandAction(operands[0]!, globals(program)),
    ),
  );

  program
    .command('run')
    .description(
      'run the nightly plan, or only the named jobs or stages (imports, prepare, exports, reports)',
    )
    .argument('[jobs...]', 'job or stage names')
    .option('--with-deps', "also run the named jobs' prerequisites")
    .option(
      '--resume',
      'rerun what failed, timed out, was cancelled or skipped in the last night (scheduled or full run)',
    )
    .option('--dry-run', 'jobs compute but change nothing; command jobs are printed, not run')
    .action((jobs: string[], _o, cmd: Command) =>
      start(async () => (await import('./commands/run.js')).runAction(jobs, globals(cmd))),
    );

  program
    .command('status')
    .description('the last run: each job with stage, status, start, duration, message and log path')
    .option('--run <id>', 'a given run instead of the last one')
    .option('--json', 'machine-readable output')
    .option('--wide', 'full-width table: nothing wrapped')
    .action((_o, cmd: Command) =>
      start(async () => (await import('./commands/status.js')).statusAction(globals(cmd))),
    );

  program
    .command('history')
    .description('past runs, or the past attempts of one job')
    .argument('[job]')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'machine-readable output')
    .option('--wide', 'full-width table: nothing wrapped')
    .action((job: string | undefined, _o, cmd: Command) =>
      start(async () => (await import('./commands/history.js')).historyAction(job, globals(cmd))),
    );

  program
    .command('logs')
    .description("print a job's log from the last run")
    .argument('<job>')
    .option('--run <id>', 'a given run instead of the last one')
    .option('--follow', 'keep printing until the job ends (waits for a job not started yet)')
    .action((job: string, _o, cmd: Command) =>
      start(async () => (await import('./commands/logs.js')).logsAction(job, globals(cmd))),
    );

  program
    .command('list')
    .description('every job: stage, enabled, prerequisites, toggle key')
    .option('--json', 'machine-readable output')
    .option('--wide', 'full-width table: nothing wrapped')
    .action((_o, cmd: Command) =>
      start(async () => (await import('./commands/list.js')).listAction(globals(cmd))),
    );

  program
    .command('graph')
    .description('the nightly plan as a picture')
    .addOption(
      new Option('--format <format>', 'output format').choices(['mermaid', 'dot']).default('mermaid'),
    )
    .action((_o, cmd: Command) =>
      start(async () => (await import('./commands/graph.js')).graphAction(globals(cmd))),
    );

  program
    .command('check')
    .description('validate the settings of the runner and of every enabled job; run nothing')
    .action((_o, cmd: Command) =>
      start(async () => (await import('./commands/check.js')).checkAction(globals(cmd))),
    );

  program
    .command('check-schema')
    .description("validate every GraphQL query against MO's schema")
    .option('--schema <file>', 'a schema SDL file')
    .option('--mo-url <url>', 'fetch the live schema from this MO')
    .action((_o, cmd: Command) =>
      start(async () => {
        const o = globals(cmd) as GlobalOptions & { schema?: string; moUrl?: string };
        const env = process.env as Record<string, string | undefined>;
        const out = (line: string) => process.stdout.write(line + '\n');
        // A schema file needs no MO connection, so no settings file either (CI checks against the shared schema).
        const settings =
          o.schema && !o.settings && !env.CUSTOMER_SETTINGS
            ? new (await import('./settings-store.js')).Settings({}, 'none')
            : (await import('./commands/context.js')).loadContext(o).settings;
        const { runCheckSchema } = await import('../jobs/clients/check-schema.js');
        return runCheckSchema({ schema: o.schema, moUrl: o.moUrl, settings, env, out });
      }),
    );

  const k8s = program
    .command('k8s')
    .description('Kubernetes hosting: render or check a per-municipality bundle');
  k8s
    .command('render')
    .description(
      'write the kustomize bundle (Argo CronWorkflow or CronJob, PVC, ConfigMap, RBAC, toolbox, SECRETS.md)',
    )
    .requiredOption('--out <dir>', 'directory to write the bundle to')
    .requiredOption('--namespace <ns>', "the municipality's namespace")
    .requiredOption('--image <ref>', 'the job-runner image')
    .option('--storage-class <sc>', 'storage class of the state volume (default: the cluster default)')
    .option('--pvc-size <size>', 'size of the state volume', '5Gi')
    .option('--engine <engine>', 'argo (a task per job) or cronjob (the whole night in one pod)', 'argo')
    .action((o: Record<string, string>, cmd: Command) =>
      start(async () => (await import('./commands/k8s.js')).k8sRenderAction({ ...globals(cmd), ...o })),
    );
  k8s
    .command('check')
    .description(
      'validate a rendered bundle (schemas and the rules of docs/kubernetes.md); exit 2 on problems',
    )
    .argument('<dir>', 'the bundle directory')
    .action((dir: string) => start(async () => (await import('./commands/k8s.js')).k8sCheckAction(dir)));

  const night = program
    .command('night')
    .description('Kubernetes: begin or end a night whose jobs run as separate `task` processes');
  night
    .command('begin')
    .description('take the run lock for the night and record it (exit 3 if another run holds the lock)')
    .requiredOption('--run-id <id>', 'the night (Argo: {{workflow.name}})')
    .action((_o, cmd: Command) =>
      start(async () => (await import('./commands/night.js')).nightBeginAction(globals(cmd))),
    );
  night
    .command('end')
    .description("close the night: skipped jobs, the run's status, metrics and e-mail; release the lock")
    .requiredOption('--run-id <id>', 'the night (Argo: {{workflow.name}})')
    .requiredOption('--engine-status <status>', "the workflow's status (Argo: {{workflow.status}})")
    .action((_o, cmd: Command) =>
      start(async () => (await import('./commands/night.js')).nightEndAction(globals(cmd))),
    );
  program
    .command('task')
    .description('Kubernetes: run one job of a night begun with `night begin`')
    .argument('<job>')
    .requiredOption('--run-id <id>', 'the night (Argo: {{workflow.name}})')
    .action((job: string, _o, cmd: Command) =>
      start(async () => (await import('./commands/night.js')).taskAction(job, globals(cmd))),
    );

  program
    .command('listen')
    .description('long-running daemon: keeps FK Organisation current from MO events between nights (OS2sync)')
    .action((_o, cmd: Command) =>
      start(async () => (await import('./commands/listen.js')).listenAction(globals(cmd))),
    );

  program
    .command('schedule')
    .description('long-running daemon: runs the nightly plan on runner.schedule')
    .action((_o, cmd: Command) =>
      start(async () => (await import('./commands/schedule-entry.js')).scheduleEntry(globals(cmd))),
    );
  return program;
}

function exitCodeFor(thrown: unknown): number {
  // a full or read-only disk met before or between jobs is the operator's to fix: exit 2 naming the path
  const err = diskError(thrown) ?? thrown;
  if (err instanceof ExitError) {
    if (err.message) process.stderr.write(`job-runner: ${redactCpr(err.message)}\n`);
    return err.exitCode;
  }
  if (err instanceof CommanderError) {
    return err.exitCode === 0 ? 0 : 2;
  }
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`job-runner: internal error: ${redactCpr(msg.split('\n')[0] ?? '')}\n`);
  if (process.env.JOB_RUNNER_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return 70;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  await program.parseAsync(argv);
  return result ? await result : 0;
}

// `job-runner status | head` must not end in an EPIPE stack trace
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.exitCode = exitCodeFor(err);
  },
);
