import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bin, sandbox } from './spawn-cli.js';

/** Records every module URL the CLI loads, through a module.register() resolve hook. */
function modulesLoadedBy(args: string[], settingsFile: string, dir: string): string[] {
  const record = path.join(dir, 'modules.txt');
  const hooks = path.join(dir, 'hooks.mjs');
  fs.writeFileSync(
    hooks,
    `import fs from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  fs.appendFileSync(${JSON.stringify(record)}, r.url + '\\n');
  return r;
}
`,
  );
  const register = path.join(dir, 'register.mjs');
  fs.writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
  const r = spawnSync(
    process.execPath,
    ['--import', pathToFileURL(register).href, bin, '--settings', settingsFile, ...args],
    {
      cwd: dir,
      encoding: 'utf8',
    },
  );
  expect(r.status, r.stderr).to.equal(0);
  return fs.readFileSync(record, 'utf8').trim().split('\n');
}

describe('fast paths (list, status)', function () {
  this.timeout(20_000);

  for (const command of ['list', 'status']) {
    it(`${command} loads no job implementation and no heavy module`, () => {
      const sb = sandbox({
        'crontab.RUN_OS2SYNC': true,
        'crontab.RUN_CACHE_LORACACHE': true,
        'crontab.RUN_REPORTS_CSV': true,
      });
      const urls = modulesLoadedBy([command], sb.settingsFile, sb.dir);
      expect(urls.some((u) => u.endsWith('/dist/orchestrator/cli.js'))).to.equal(true);
      expect(urls.some((u) => u.includes('/dist/jobs/registry.js'))).to.equal(true);
      const heavy = urls.filter((u) =>
        /node_modules\/(yazl|pg|nunjucks|graphql|axios|p-graph|nodemailer|tar)\//.test(u),
      );
      expect(heavy).to.deep.equal([]);
      // implementations are the modules definitions load lazily: jobs/<area>/run*.js
      const implementations = urls.filter((u) =>
        /\/dist\/jobs\/[^/]+\/(run[^/]*|sdtool-plus|sd-changed-at|manager-sync)\.js$/.test(u),
      );
      expect(implementations, 'job implementations').to.deep.equal([]);
    });
  }
});
