/** `job-runner k8s render …` and `job-runner k8s check DIR` (docs/kubernetes.md). */
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { allSpecs } from '../all-jobs.js';
import { type GlobalOptions, loadContext } from './context.js';

export interface RenderCliOptions extends GlobalOptions {
  out?: string;
  namespace?: string;
  image?: string;
  storageClass?: string;
  pvcSize?: string;
  engine?: string;
}

export async function k8sRenderAction(opts: RenderCliOptions): Promise<number> {
  for (const o of ['out', 'namespace', 'image'] as const)
    if (!opts[o]) throw new UsageError(`k8s render needs --${o}`);
  if (opts.engine !== undefined && opts.engine !== 'argo' && opts.engine !== 'cronjob')
    throw new UsageError(`--engine must be argo or cronjob, not "${opts.engine}"`);
  if (opts.pvcSize !== undefined && !/^\d+(\.\d+)?(Ki|Mi|Gi|Ti)$/.test(opts.pvcSize))
    throw new UsageError(`--pvc-size must be a size like 5Gi, not "${opts.pvcSize}"`);
  const ctx = loadContext(opts);
  const { renderBundle } = await import('../k8s/render.js');
  const bundle = renderBundle(ctx.jobs, ctx.settings, allSpecs(ctx.jobs), {
    namespace: opts.namespace!,
    image: opts.image!,
    storageClass: opts.storageClass,
    pvcSize: opts.pvcSize,
    engine: (opts.engine ?? 'argo') as 'argo' | 'cronjob',
  });
  const out = path.resolve(opts.out!);
  fs.mkdirSync(out, { recursive: true });
  for (const [file, text] of bundle) {
    const tmp = path.join(out, `.${file}.tmp-${process.pid}`);
    fs.writeFileSync(tmp, text, { mode: 0o644 });
    fs.renameSync(tmp, path.join(out, file));
  }
  ctx.out(`wrote ${bundle.size} files to ${out}: ${[...bundle.keys()].join(', ')}`);
  ctx.out(
    `next: create the secrets listed in ${path.join(out, 'SECRETS.md')}, then apply with kustomize (Flux)`,
  );
  return 0;
}

export async function k8sCheckAction(dir: string): Promise<number> {
  const { checkBundleDir } = await import('../k8s/check.js');
  const result = await checkBundleDir(path.resolve(dir));
  for (const p of result.problems) process.stdout.write(`${p}\n`);
  if (!result.schemaValidated)
    process.stdout.write(
      'schema validation skipped: the kubernetes-models packages are not installed (dev dependencies)\n',
    );
  process.stdout.write(
    result.problems.length
      ? `${result.problems.length} problem(s) in ${result.objects} objects\n`
      : `ok: ${result.objects} objects\n`,
  );
  return result.problems.length ? 2 : 0;
}
