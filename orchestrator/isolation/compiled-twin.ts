/**
 * The compiled copy in dist/ of a source file, for processes started from the TypeScript sources. Running
 * from dist (production) nothing changes. Running from the sources (tests, development) a job's process needs
 * tsx, whose start-up costs about a second of CPU per process; `npm test` builds first and then sets
 * JR_ISOLATED_FROM_DIST=1, so job processes run dist's copy of the very same module instead, without tsx.
 * dist mirrors the repository (tsconfig.json: rootDir ".", outDir "dist").
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const FROM_DIST_ENV = 'JR_ISOLATED_FROM_DIST';

const here = fileURLToPath(import.meta.url);
const runningFromSource = path.extname(here) === '.ts';
const root = path.resolve(path.dirname(here), '../..');
const dist = path.join(root, 'dist');

/** True when processes started now should run dist's copies (sources running, and the flag set). */
export function useCompiledTwins(env: Record<string, string | undefined> = process.env): boolean {
  return runningFromSource && env[FROM_DIST_ENV] === '1';
}

/**
 * dist's copy of a source file (a path or file URL, `.ts` or the `.js` name tsx resolves), as the same kind of
 * reference; throws a one-line error when it was not built.
 */
export function compiledTwin(file: string): string {
  const isUrl = file.startsWith('file:');
  const abs = isUrl ? fileURLToPath(file) : path.resolve(file);
  const rel = path.relative(root, abs);
  if (rel.startsWith('..') || path.isAbsolute(rel) || rel.startsWith(`dist${path.sep}`))
    throw new Error(`${FROM_DIST_ENV}: ${abs} is not a source file of this repository`);
  const twin = path.join(dist, rel.replace(/\.ts$/, '.js'));
  if (!fs.existsSync(twin))
    throw new Error(`${FROM_DIST_ENV}: ${path.relative(root, twin)} is missing: run npm run build first`);
  return isUrl ? pathToFileURL(twin).href : twin;
}
