/** A12 (static part): every path the Containerfile copies exists; the YAML in docs/kubernetes.md passes k8s check. */
import fs from 'node:fs';
import { expect } from 'chai';
import { checkTexts } from '../../orchestrator/k8s/check.js';

describe('Containerfile and docs/kubernetes.md', () => {
  it('copies only paths that exist, installs production dependencies, runs as non-root with job-runner as entrypoint', () => {
    const text = fs.readFileSync('Containerfile', 'utf8');
    const copies = [...text.matchAll(/^COPY (?!--from)(.+)$/gm)]
      .map((m) => m[1]!.trim().split(/\s+/).slice(0, -1))
      .flat();
    expect(copies.length).to.be.greaterThan(3);
    for (const p of copies) expect(fs.existsSync(p), p).to.equal(true);
    expect(text).to.match(/^FROM docker\.io\/library\/node:20-bookworm-slim$/m);
    expect(text).to.include('npm ci --omit=dev');
    expect(text).to.match(/^USER node$/m);
    expect(text).to.match(/^ENTRYPOINT \["job-runner"\]$/m);
  });

  it("the doc's YAML snippets are valid objects", async function () {
    this.timeout(30_000);
    const doc = fs.readFileSync('docs/kubernetes.md', 'utf8');
    const snippets = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(snippets.length).to.be.greaterThan(0);
    const files = new Map(snippets.map((s, i) => [`snippet-${i}.yaml`, s]));
    const result = await checkTexts(files);
    expect(result.problems).to.deep.equal([]);
    expect(result.objects).to.equal(snippets.length);
  });
});
