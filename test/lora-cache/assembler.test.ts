/**
 * The writer thread's work on its own (no thread, no MO): when each entity's tables are indexed. The entity read
 * last is indexed before its last page, so its indexes are not built after MO's last answer.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import DatabaseCtor from 'better-sqlite3';
import { PHASE2_ENTITIES as PHASE2, SnapshotAssembler } from '../../jobs/lora-cache/assembler.js';
import type { Entity } from '../../jobs/lora-cache/queries.js';
import type { WriterSetup } from '../../jobs/lora-cache/writer-messages.js';
import { actualWriterSetup, testSnapshotMeta } from './snapshot-helpers.js';

/** An address of a person, as the build's query reads it (its type is not among the classes: a dirty-data note). */
const address = (uuid: string, person: string) => ({
  uuid,
  current: {
    uuid,
    user_key: uuid,
    value: `${uuid}@example.org`,
    name: null,
    address_type_uuid: 'a0000000-0000-0000-0000-000000000001',
    visibility_uuid: null,
    employee_uuid: person,
    org_unit_uuid: null,
    engagement_uuid: null,
    ituser_uuid: null,
    validity: { from: '2020-01-01T00:00:00+01:00', to: null },
  },
});

describe('lora-cache assembler', function () {
  let dir: string;
  let setup: WriterSetup;
  let a: SnapshotAssembler;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jr-assembler-'));
    setup = actualWriterSetup(dir);
    a = new SnapshotAssembler(setup);
    a.root(null);
    for (const e of ['facets', 'classes', 'itsystems'] as Entity[]) a.entityDone(e);
    a.classesDone();
  });
  afterEach(() => {
    a.writer.abort();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('indexes an entity when it is complete, and the last one left as soon as it is the last', () => {
    a.page('addresses', [
      address('b0000000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-000000000001'),
    ]);
    const others = PHASE2.filter((e) => e !== 'addresses');
    for (const e of others.slice(0, -1)) a.entityDone(e);
    expect(a.writer.indexesOf('brugere')).to.have.length.above(0);
    expect(a.writer.indexesOf('adresser'), 'two entities still being read').to.deep.equal([]);
    a.entityDone(others.at(-1)!);
    const early = a.writer.indexesOf('adresser');
    expect(early, 'the addresses are the last entity being read').to.include.members([
      'ix_adresser_uuid',
      'ix_adresser_bruger_uuid',
    ]);
    // its later pages keep the indexes up to date; the step at its end finds them built
    a.page('addresses', [
      address('b0000000-0000-0000-0000-000000000002', 'c0000000-0000-0000-0000-000000000002'),
    ]);
    a.entityDone('addresses');
    expect(a.writer.indexesOf('adresser')).to.deep.equal(early);
    a.finish(testSnapshotMeta());
    const db = new DatabaseCtor(setup.target, { readonly: true });
    try {
      const viaIndex = db
        .prepare('SELECT uuid FROM adresser INDEXED BY ix_adresser_bruger_uuid WHERE bruger_uuid = ?')
        .pluck()
        .all('c0000000-0000-0000-0000-000000000002');
      expect(viaIndex).to.deep.equal(['b0000000-0000-0000-0000-000000000002']);
      expect(db.pragma('integrity_check', { simple: true })).to.equal('ok');
    } finally {
      db.close();
    }
  });

  it('does not index the units early in actual mode: they are written only once the managers are read', () => {
    for (const e of PHASE2.filter((x) => x !== 'org_units')) a.entityDone(e);
    expect(a.writer.indexesOf('enheder')).to.deep.equal([]);
    a.page('org_units', []);
    a.entityDone('org_units');
    expect(a.writer.indexesOf('enheder')).to.have.length.above(0);
  });
});
