import { expect } from 'chai';
import fs from 'node:fs';
import { renderSettingsDoc, settingsDocPath } from '../../scripts/gen-settings-doc.js';
import { allSpecs } from '../../orchestrator/all-jobs.js';

describe('docs/settings.md', () => {
  it('equals the text generated from the settings specs (run `npm run docs:settings` after changing a spec)', () => {
    const committed = fs.readFileSync(settingsDocPath(), 'utf8');
    expect(committed).to.equal(renderSettingsDoc());
  });

  it('documents every declared key', () => {
    const text = renderSettingsDoc();
    for (const spec of allSpecs()) expect(text).to.contain(`\`${spec.key}\``);
  });
});
