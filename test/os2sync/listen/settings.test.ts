import { expect } from 'chai';
import { cli, sandbox } from '../../cli/spawn-cli.js';

describe('listen.* settings', function () {
  this.timeout(60_000);
  const base = {
    'crontab.RUN_OS2SYNC': true,
    'mora.base': 'http://127.0.0.1:9',
    'municipality.cvr': '29189846',
    'os2sync.api_url': 'http://127.0.0.1:9/api',
    'os2sync.top_unit_uuid': '00000000-0000-4000-8000-000000000001',
  };

  it('check names a bad listen.* key (exit 2); listen refuses it with one line (exit 2)', async () => {
    const sb = sandbox({ ...base, 'listen.idle_poll': 'soon', 'listen.parallelism': 0 });
    const check = await cli(sb, ['check']);
    expect(check.code).to.equal(2);
    expect(check.stdout + check.stderr).to.match(/listen\.idle_poll/);
    expect(check.stdout + check.stderr).to.match(/listen\.parallelism/);
    const listen = await cli(sb, ['listen']);
    expect(listen.code).to.equal(2);
    expect(listen.stderr.trim().split('\n')).to.have.length(1);
    expect(listen.stderr).to.match(/^job-runner: listen\.(idle_poll|parallelism): /);
  });

  it('listen refuses os2sync.api_url "stub" (exit 2) and exits 1 with one line when MO is unreachable', async () => {
    const stub = await cli(sandbox({ ...base, 'os2sync.api_url': 'stub' }), ['listen']);
    expect(stub.code).to.equal(2);
    expect(stub.stderr).to.match(/os2sync\.api_url/);
    const down = await cli(sandbox({ ...base, 'mora.retry.max_attempts': 1, 'listen.metrics_port': 0 }), [
      'listen',
    ]);
    expect(down.code).to.equal(1);
    expect(
      down.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('job-runner:')),
    ).to.have.length(1);
    expect(down.stderr).to.not.match(/\n\s+at /); // no stack trace
  });
});
