import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';

export interface UploadedFile {
  filename: string;
  mimetype: string;
  buffer: Buffer;
}

/**
 * Parse a GraphQL multipart request (https://github.com/jaydenseric/graphql-multipart-request-spec):
 * `operations` (JSON), `map` (JSON: file field → ["variables.x", …]), then the files. Returns the
 * operations object with each mapped variable replaced by its UploadedFile.
 */
export function parseMultipart(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fileSize: maxBytes }, defParamCharset: 'utf8' });
    } catch (e) {
      reject(new Error(`Invalid multipart request: ${(e as Error).message}`));
      return;
    }
    const fields: Record<string, string> = {};
    const files = new Map<string, UploadedFile>();
    bb.on('field', (name, value) => (fields[name] = value));
    bb.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => reject(new Error('Uploaded file too large')));
      stream.on('end', () =>
        files.set(name, {
          filename: info.filename ?? 'upload',
          mimetype: info.mimeType,
          buffer: Buffer.concat(chunks),
        }),
      );
    });
    bb.on('error', (e) => reject(new Error(`Invalid multipart request: ${(e as Error).message}`)));
    bb.on('close', () => {
      try {
        if (!fields.operations || !fields.map)
          throw new Error('multipart request needs the fields operations and map');
        const operations = JSON.parse(fields.operations) as Record<string, unknown>;
        const map = JSON.parse(fields.map) as Record<string, string[]>;
        for (const [fileField, paths] of Object.entries(map)) {
          const file = files.get(fileField);
          if (!file) throw new Error(`multipart map names the missing file field ${fileField}`);
          for (const p of paths) setPath(operations, p.split('.'), file);
        }
        resolve(operations);
      } catch (e) {
        reject(new Error(`Invalid multipart request: ${(e as Error).message}`));
      }
    });
    req.pipe(bb);
  });
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let cur: Record<string, unknown> = target;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (typeof next !== 'object' || next === null)
      throw new Error(`map path ${keys.join('.')} does not exist`);
    cur = next as Record<string, unknown>;
  }
  cur[keys[keys.length - 1] as string] = value;
}
