/**
 * `npm run bench`: imports every compiled `dist/bench/*.bench.js` in name order and runs its default
 * export. A bench prints `name: value` lines and ratios against budgets. BENCH=engine runs only matching files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const only = process.env.BENCH;
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.bench.js') && (!only || f.includes(only)))
  .sort();

let failed = 0;
for (const file of files) {
  process.stdout.write(`\n== ${file.replace(/\.bench\.js$/, '')}\n`);
  try {
    const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { default?: () => Promise<void> };
    if (typeof mod.default !== 'function') throw new Error('no default export');
    await mod.default();
  } catch (err) {
    failed++;
    process.stdout.write(`${file}: FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
