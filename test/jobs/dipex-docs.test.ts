/**
 * docs/migrating-from-dipex.md is the operator's copy of jobs/dipex.ts: the two must name the same DIPEX jobs,
 * toggles and counterparts, or an operator reads one thing and `check` warns another.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dipexJobs } from '../../jobs/dipex.js';
import { builtinJobs } from '../../jobs/registry.js';

const doc = fs.readFileSync(
  path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'migrating-from-dipex.md'),
  'utf8',
);

interface DocRow {
  job: string;
  toggle: string;
  here: string;
}

/** The rows of the "Every toggle and job" table whose first cell is a DIPEX job name. */
function tableRows(): DocRow[] {
  const section = doc.split('## Every toggle and job')[1]!.split('\n## ')[0]!;
  return section
    .split('\n')
    .map((line) => /^\| `([a-z0-9_]+)` \| ([^|]*) \| (.*) \|$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ job: m[1]!, toggle: m[2]!.trim(), here: m[3]!.trim() }));
}

/** Toggles named in the paragraph on retired jobs; `RUN_A(_B)` names RUN_A and RUN_A_B. */
function retiredToggles(): Set<string> {
  const para = doc
    .split('Toggles of jobs DIPEX itself retired')[1]!
    .split('\n\n')[0]!
    .replace(/\(replaced by `[A-Z0-9_]+`\)/g, ''); // the toggle to use instead is not a retired one
  const out = new Set<string>();
  for (const [, base, optional] of para.matchAll(/`(RUN_[A-Z0-9_]+)(?:\(([A-Z0-9_]+)\))?`/g)) {
    out.add(base!);
    if (optional) out.add(base! + optional);
  }
  return out;
}

describe('docs/migrating-from-dipex.md agrees with jobs/dipex.ts', () => {
  const rows = tableRows();
  const current = dipexJobs.filter((e) => !e.retired);

  it('has one table row per DIPEX job, in the same order, and no other', () => {
    expect(rows.map((r) => r.job)).to.deep.equal(current.map((e) => e.job));
  });

  it("names each job's toggle (or none)", () => {
    for (const e of current) {
      const row = rows.find((r) => r.job === e.job)!;
      if (e.toggle) expect(row.toggle, e.job).to.match(new RegExp(`^\`${e.toggle}\``));
      else expect(row.toggle, e.job).to.match(/^—/);
    }
  });

  it('names the counterpart where this runner provides one, and a command job where it does not', () => {
    const ours = new Set(builtinJobs.map((j) => j.name));
    for (const e of current) {
      const row = rows.find((r) => r.job === e.job)!;
      if (e.counterpart) {
        expect(ours.has(e.counterpart), `${e.counterpart} is a built-in job`).to.equal(true);
        expect(row.here, e.job).to.match(new RegExp(`^\`${e.counterpart}\``));
      } else {
        expect(row.here, e.job).to.match(/^not provided: command job/);
        const stage = /^not provided: command job \(`([a-z]+)`/.exec(row.here)?.[1];
        if (stage) expect(stage, e.job).to.equal(e.stage);
      }
    }
  });

  it('lists every retired toggle, and only those', () => {
    const retired = new Set(dipexJobs.filter((e) => e.retired).map((e) => e.toggle!));
    expect([...retiredToggles()].sort()).to.deep.equal([...retired].sort());
  });
});
