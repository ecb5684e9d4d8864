import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface UploadedFile {
  name: string;
  type: string;
  bytes: Buffer;
  sha256: string;
}

export type ParsedBody =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'form'; fields: Record<string, string>; files: Record<string, UploadedFile> }
  | { kind: 'unparseable'; mediaType: string; reason: string };

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export async function parseBody(contentType: string | undefined, raw: Buffer): Promise<ParsedBody> {
  const mediaType = mediaTypeOf(contentType);
  if (raw.length === 0 && mediaType !== 'multipart/form-data') return { kind: 'none' };
  if (mediaType === 'multipart/form-data') return parseMultipart(contentType as string, raw);
  if (mediaType === 'application/json' || mediaType === '') {
    try {
      return { kind: 'json', value: JSON.parse(raw.toString('utf8')) as unknown };
    } catch (e) {
      return { kind: 'unparseable', mediaType, reason: (e as Error).message };
    }
  }
  return { kind: 'unparseable', mediaType, reason: `unsupported content type '${mediaType}'` };
}

/** Node 22's fetch implementation already speaks multipart; reusing it avoids a hand-rolled parser. */
async function parseMultipart(contentType: string, raw: Buffer): Promise<ParsedBody> {
  let form: FormData;
  try {
    form = await new Request('http://fake-openai.local/', { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
  } catch (e) {
    return { kind: 'unparseable', mediaType: 'multipart/form-data', reason: (e as Error).message };
  }
  const fields: Record<string, string> = {};
  const files: Record<string, UploadedFile> = {};
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') {
      fields[name] = value;
    } else {
      const bytes = Buffer.from(await value.arrayBuffer());
      files[name] = { name: value.name, type: value.type, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
    }
  }
  return { kind: 'form', fields, files };
}

/** What RecordedRequest.body holds: JSON as parsed; multipart as fields plus file summaries (no bytes, so recordings stay printable). */
export function recordedBody(body: ParsedBody): unknown {
  switch (body.kind) {
    case 'none':
      return undefined;
    case 'json':
      return body.value;
    case 'unparseable':
      return { unparseable: body.reason };
    case 'form': {
      const out: Record<string, unknown> = { ...body.fields };
      for (const [name, f] of Object.entries(body.files)) out[name] = { name: f.name, type: f.type, bytes: f.bytes.length, sha256: f.sha256 };
      return out;
    }
  }
}
