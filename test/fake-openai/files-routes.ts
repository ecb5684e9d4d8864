import { ApiError } from './errors';
import { json, type RouteContext, type RouteTable, type StoredFile } from './routes';

/** Files API: uploads stay in memory so the model can measure the very bytes the client sent. */
export function filesRoutes(): RouteTable {
  return {
    'POST /files': (ctx) => {
      const file = ctx.form?.files.file;
      const purpose = ctx.form?.fields.purpose;
      // The spec check has already rejected these; this keeps the handler total.
      if (!file || !purpose) throw new ApiError(400, "'file' and 'purpose' are required.");
      const id = ctx.ids.next('file-');
      const stored: StoredFile = { bytes: file.bytes, purpose, filename: file.name || 'upload', createdAt: ctx.now(), contentType: file.type };
      ctx.files.set(id, stored);
      const seconds = Number(ctx.form?.fields['expires_after[seconds]']);
      return json(fileObject(id, stored, Number.isFinite(seconds) && seconds > 0 ? seconds : undefined));
    },
    'GET /files': (ctx) => {
      const purpose = ctx.query.get('purpose');
      const order = ctx.query.get('order') === 'asc' ? 1 : -1;
      const entries = [...ctx.files.entries()].filter(([, f]) => !purpose || f.purpose === purpose);
      entries.sort(([, a], [, b]) => order * ((a.createdAt ?? 0) - (b.createdAt ?? 0)));
      const data = entries.map(([id, f]) => fileObject(id, f));
      // The spec types first_id/last_id as plain (non-null) strings.
      return json({ object: 'list', data, first_id: data[0]?.id ?? '', last_id: data[data.length - 1]?.id ?? '', has_more: false });
    },
    'GET /files/{file_id}': (ctx) => json(fileObject(ctx.params.file_id as string, requireFile(ctx))),
    'GET /files/{file_id}/content': (ctx) => {
      const f = requireFile(ctx);
      return { kind: 'bytes', contentType: f.contentType || 'application/octet-stream', body: f.bytes };
    },
    'DELETE /files/{file_id}': (ctx) => {
      requireFile(ctx);
      const id = ctx.params.file_id as string;
      ctx.files.delete(id);
      return json({ id, object: 'file', deleted: true });
    },
  };
}

function requireFile(ctx: RouteContext): StoredFile {
  const id = ctx.params.file_id as string;
  const f = ctx.files.get(id);
  if (!f) throw new ApiError(404, `No such File object: ${id}`, 'invalid_request_error', 'id');
  return f;
}

function fileObject(id: string, f: StoredFile, expiresInSeconds?: number): { id: string } & Record<string, unknown> {
  const createdAt = f.createdAt ?? Math.floor(Date.now() / 1000);
  const out: { id: string } & Record<string, unknown> = {
    id,
    object: 'file',
    bytes: f.bytes.length,
    created_at: createdAt,
    filename: f.filename,
    purpose: f.purpose,
    status: 'processed',
  };
  if (expiresInSeconds !== undefined) out.expires_at = createdAt + expiresInSeconds;
  return out;
}

/** Resolves image file ids for the model; unknown ids are a client error, as on the real API. */
export function imageBytes(files: Map<string, StoredFile>, fileId: string, param: string): Buffer {
  const f = files.get(fileId);
  if (!f) throw new ApiError(400, `Invalid '${param}': no file with id '${fileId}' exists.`, 'invalid_request_error', param, 'invalid_value');
  return f.bytes;
}
