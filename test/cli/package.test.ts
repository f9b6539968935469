/**
 * The production install (`npm install --omit=dev` of the packed tarball; CI runs it for real in
 * .ci/production-install-check): the tarball ships the build, and what the build imports at run time is a
 * regular dependency.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { repo } from './spawn-cli.js';

interface Pkg {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
}
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as Pkg;

function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, npm_config_loglevel: 'error' },
  });
  return (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
}

function jsFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .flatMap((e) => (e.isFile() && e.name.endsWith('.js') ? [path.join(e.parentPath, e.name)] : []));
}

/** The package name of each bare import specifier in a built file. */
function bareImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const names: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"./][^'"]*)['"]/g)) {
    const spec = m[1]!;
    if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!)) continue;
    names.push(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
  }
  return names;
}

function relativeImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+\.js)['"]/g)].map(
    (m) => m[1]!,
  );
}

describe('production install: the packed package', function () {
  this.timeout(60_000);

  it('ships the built CLI, the launcher, the emulator schema and the docs; no tests, no sources', () => {
    const files = packedFiles();
    for (const f of [
      'bin/job-runner',
      'dist/orchestrator/cli.js',
      'dist/scripts/demo.js',
      'test/emulators/mo/schema.graphql',
      'docs/migrating-from-dipex.md',
      'settings.example.json',
    ])
      expect(files, f).to.include(f);
    expect(files.filter((f) => f.endsWith('.test.js') || f.endsWith('.ts'))).to.deep.equal([]);
  });

  it('everything the shipped build imports (CLI, jobs, demo and its emulators) is a regular dependency', () => {
    const shipped = packedFiles().filter((f) => f.startsWith('dist/') && f.endsWith('.js'));
    const built = jsFiles(path.join(repo, 'dist')).map((f) => path.relative(repo, f));
    const used = new Set(
      shipped.filter((f) => built.includes(f)).flatMap((f) => bareImports(path.join(repo, f))),
    );
    expect(used.size).to.be.greaterThan(5);
    const missing = [...used].filter((name) => !(name in pkg.dependencies)).sort();
    expect(missing).to.deep.equal([]);
    const unshipped = shipped.flatMap((f) =>
      relativeImports(path.join(repo, f))
        .map((r) => path.relative(repo, path.resolve(repo, path.dirname(f), r)))
        .filter((r) => !shipped.includes(r))
        .map((r) => `${f} → ${r}`),
    );
    expect(unshipped).to.deep.equal([]);
    expect(Object.keys(pkg.dependencies)).not.to.include.members(['typescript', 'tsx', 'mocha', 'chai']);
  });

  it('prepare tolerates a missing TypeScript (npm ci --omit=dev) and builds when tsc is there', () => {
    expect(pkg.scripts.prepare).to.match(/^if \[ -x node_modules\/\.bin\/tsc \]; then npm run build; else /);
    const out = execFileSync('sh', ['-c', pkg.scripts.prepare!], {
      cwd: fs.mkdtempSync(path.join(os.tmpdir(), 'jr-prepare-')),
      encoding: 'utf8',
    });
    expect(out).to.contain('prepare: no TypeScript toolchain');
  });
});
