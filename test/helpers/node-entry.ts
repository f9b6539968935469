/**
 * The node arguments that run a TypeScript source file of this repository in a child process: dist's compiled
 * copy under `npm test` (JR_ISOLATED_FROM_DIST=1, as for job processes: no tsx start-up), else the source
 * under tsx.
 */
import { compiledTwin, useCompiledTwins } from '../../orchestrator/isolation/compiled-twin.js';

export function nodeEntry(sourceFile: string): string[] {
  return useCompiledTwins() ? [compiledTwin(sourceFile)] : ['--import', 'tsx', sourceFile];
}
