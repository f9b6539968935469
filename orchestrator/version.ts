/** The installed version: `version` of the package.json nearest above this module (source tree, dist/ or a package). */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file))
      return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string }).version ?? '0.0.0';
    const up = path.dirname(dir);
    if (up === dir) return '0.0.0';
    dir = up;
  }
}
