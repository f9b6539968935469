/**
 * Operator-defined command jobs (`runner.jobs`, DESIGN §6): `/bin/sh -c COMMAND` in the repository root,
 * env = runner env + the job's `env`, output to the job's log, exit code 0 = success. The command runs in
 * its own process group so a timeout or SIGTERM kills everything it started.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import type { JobContext, JobDefinition, JobResult } from '../orchestrator/job.js';
import type { Settings } from '../orchestrator/settings-store.js';
import {
  commandJobEntrySchema,
  killGraceSpec,
  type CommandJobEntry,
} from '../orchestrator/runner-settings.js';

/** Valid `runner.jobs` entries as job definitions (invalid ones are reported by validation, not here). */
export function commandJobs(settings: Settings): JobDefinition[] {
  const entries = settings.get('runner.jobs');
  if (!entries || typeof entries !== 'object' || Array.isArray(entries)) return [];
  const defs: JobDefinition[] = [];
  for (const [name, raw] of Object.entries(entries as Record<string, unknown>)) {
    const parsed = commandJobEntrySchema.safeParse(raw);
    if (!parsed.success || !/^[A-Za-z0-9_.-]+$/.test(name)) continue;
    defs.push(commandJobDefinition(name, parsed.data));
  }
  return defs;
}

export function commandJobDefinition(name: string, entry: CommandJobEntry): JobDefinition {
  return {
    name,
    stage: entry.stage,
    toggle: [`runner.jobs.${name}.enabled`],
    description: entry.description ?? `command: ${entry.command}`,
    enabled: () => entry.enabled ?? true,
    needs: () => entry.needs ?? [],
    ...(entry.timeout !== undefined ? { defaultTimeoutMs: entry.timeout } : {}),
    load: async () => ({ run: (ctx: JobContext) => runCommand(entry, ctx) }),
  };
}

/** Process group ids of command jobs running now (for a last-resort SIGKILL on a second signal). */
const liveGroups = new Set<number>();

/** SIGKILLs every command job's process group at once (the runner is about to exit). */
export function killAllCommandGroups(): void {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Kills a detached child's whole process group: SIGTERM, then SIGKILL after the grace period. */
export function killGroup(pid: number, graceMs: number): void {
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  };
  kill('SIGTERM');
  setTimeout(() => kill('SIGKILL'), graceMs).unref();
}

/**
 * How many processes are still in process group `pgid` (Linux: /proc; elsewhere undefined if any is, else 0).
 */
export function groupMembers(pgid: number): number | undefined {
  try {
    process.kill(-pgid, 0);
  } catch {
    return 0;
  }
  let names: string[];
  try {
    names = fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return undefined;
  }
  let count = 0;
  for (const n of names) {
    try {
      const stat = fs.readFileSync(`/proc/${n}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[0] is the state (field 3), fields[2] the process group (field 5); zombies are already dead
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') count++;
    } catch {
      // exited meanwhile
    }
  }
  return count;
}

export async function runCommand(entry: CommandJobEntry, ctx: JobContext): Promise<JobResult> {
  if (ctx.dryRun) {
    ctx.logger.info(`dry run: would run: ${entry.command}`);
    return { message: `dry run: not executed: ${entry.command}` };
  }
  ctx.signal.throwIfAborted();
  const grace = ctx.settings.value(killGraceSpec);
  const child = spawn('/bin/sh', ['-c', entry.command], {
    cwd: ctx.paths.root,
    env: { ...ctx.env, ...(entry.env ?? {}) } as NodeJS.ProcessEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid !== undefined) liveGroups.add(pid);
  const onAbort = () => pid !== undefined && killGroup(pid, grace);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let lastLine = '';
  const pipe = (stream: NodeJS.ReadableStream, level: 'info' | 'warn') => {
    readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      if (line.trim()) lastLine = line;
      ctx.logger.log(ctx.verbose ? 'info' : 'debug', line, {
        stream: level === 'info' ? 'stdout' : 'stderr',
      });
    });
  };
  pipe(child.stdout!, 'info');
  pipe(child.stderr!, 'warn');
  // 'close' would wait for every process holding the output pipes: a background child (`sleep 100 &`)
  // would keep the job running until its timeout. The job ends when its main process exits.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  try {
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code, signal) => resolve({ code, signal }));
      },
    );
    if (pid !== undefined) {
      const left = groupMembers(pid);
      if (left !== 0) {
        ctx.logger.warn(
          `${entry.command.slice(0, 80)}: the command exited and left ${left === undefined ? 'background processes' : `${left} background process${left === 1 ? '' : 'es'}`} running; killed them (process group ${pid})`,
        );
        killGroup(pid, grace);
      }
    }
    // the rest of the output, once the pipes close (at most the kill grace period)
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, grace + 1000).unref())]);
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (code === 0) return { message: lastLine ? lastLine.slice(0, 200) : undefined };
    const why = signal ? `killed by ${signal}` : `exit code ${code}`;
    throw new Error(`${why}${lastLine ? `: ${lastLine.slice(0, 200)}` : ''}`);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    if (pid !== undefined) liveGroups.delete(pid);
  }
}
