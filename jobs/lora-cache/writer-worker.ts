/**
 * Entry point of the snapshot build's writer thread (started by writer-thread.ts): parses, maps and writes the
 * pages the fetch thread sends, in order. The first failure discards the temp file, is reported once as one line,
 * and everything after it is ignored; the fetch thread then ends the thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { localTimestamp } from './dates.js';
import { SnapshotAssembler, pageObjects } from './assembler.js';
import type { FromWriter, ToWriter, WriterSetup } from './writer-messages.js';

const port = parentPort!;
const send = (m: FromWriter) => port.postMessage(m);
let assembler: SnapshotAssembler | undefined;
let failed = false;

function handle(a: SnapshotAssembler, m: ToWriter): void {
  switch (m.type) {
    case 'root':
      return a.root(m.uuid);
    case 'page': {
      const body = Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength);
      const objects = pageObjects(body.toString('utf8'));
      a.page(m.entity, objects);
      return send({
        type: 'page-written',
        entity: m.entity,
        objects: objects.length,
        bytes: m.body.byteLength,
        totalRows: a.writer.totalRows,
      });
    }
    case 'classes-done':
      return a.classesDone();
    case 'done':
      return a.entityDone(m.entity);
    case 'finish': {
      const slutLeveringTid = localTimestamp(m.timeZone, new Date());
      const meta = { ...m.meta, kvittering: { ...m.meta.kvittering, slutLeveringTid } };
      const { rowCounts, warnings } = a.finish(meta);
      return send({ type: 'finished', rowCounts, warnings, writeMs: a.writer.writeMs });
    }
  }
}

function fail(err: unknown): void {
  failed = true;
  try {
    assembler?.writer.abort();
  } finally {
    send({ type: 'failed', message: firstLine(err) });
  }
}

try {
  assembler = new SnapshotAssembler(workerData as WriterSetup);
} catch (err) {
  fail(err);
}

port.on('message', (m: ToWriter) => {
  if (failed) return;
  try {
    handle(assembler!, m);
  } catch (err) {
    fail(err);
  }
});

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!;
}
