/**
 * Runs part of a bench in a child process, so its peak RSS and CPU time are its own. The bench module runs itself
 * again with `flag` and arguments; in the child, `childArgs(flag)` returns them and `reportToParent` prints the
 * result (with the child's peak RSS and CPU seconds) as the last stdout line, which `runBenchChild` parses.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { JOB_PROCESS_V8_FLAGS, loaderArgs } from '../orchestrator/isolation/isolated-job.js';

export interface ChildUsage {
  maxRssMb: number;
  cpuSeconds: number;
}

/** The arguments after `flag` when this process is that child, else null. */
export function childArgs(flag: string): string[] | null {
  return process.argv[2] === flag ? process.argv.slice(3) : null;
}

/** In the child: runs `work` and prints its result with the child's usage; a failure is one line on stderr. */
export function reportToParent(work: () => Promise<object>): void {
  work()
    .then((result) => {
      const usage = process.resourceUsage();
      const out: ChildUsage = {
        maxRssMb: usage.maxRSS / 1024,
        cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
      };
      process.stdout.write(`${JSON.stringify({ ...result, ...out })}\n`);
    })
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    });
}

/** Runs the bench module at `moduleUrl` as a child with `flag` and `args`; resolves to what it reported. */
export function runBenchChild<T>(moduleUrl: string, flag: string, args: string[]): Promise<T & ChildUsage> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [...loaderArgs(), ...JOB_PROCESS_V8_FLAGS, fileURLToPath(moduleUrl), flag, ...args],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let stdout = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{'))
        reject(new Error(`bench child ${flag} ${args[0] ?? ''} exited ${code}: ${stdout.trim()}`));
      else resolve(JSON.parse(line) as T & ChildUsage);
    });
  });
}
