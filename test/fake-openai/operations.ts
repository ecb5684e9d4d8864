import type { OpenApiDocument } from './spec';
import { escapePointerSegment } from './spec-normalize';

export interface OperationParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  /** JSON pointer of the parameter's schema in the document, if it has one. */
  schemaPointer?: string;
  schemaType?: string;
}

export interface Operation {
  /** 'POST /threads/{thread_id}/messages': the name used in errors, recordings and faults. */
  id: string;
  method: string;
  template: string;
  operationId: string;
  parameters: OperationParameter[];
  requestBody?: { required: boolean; schemaPointers: Record<string, string> };
  /** Status code (or 'default') -> media type -> schema pointer. */
  responses: Record<string, Record<string, string>>;
}

export interface OperationMatch {
  operation: Operation;
  params: Record<string, string>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Maps a concrete request path to the spec's operation, so every request is judged by the file's own contract. */
export class OperationIndex {
  private readonly entries: Array<{ operation: Operation; segments: string[]; literals: number }> = [];

  constructor(doc: OpenApiDocument) {
    for (const [template, item] of Object.entries(doc.paths)) {
      // The file also lists variants such as '/responses?beta=true'; those are SDK aliases, not routes.
      if (template.includes('?')) continue;
      const itemPointer = `#/paths/${escapePointerSegment(template)}`;
      const shared = asArray(item.parameters);
      for (const method of METHODS) {
        const raw = item[method];
        if (!isRecord(raw)) continue;
        const opPointer = `${itemPointer}/${method}`;
        const operation: Operation = {
          id: `${method.toUpperCase()} ${template}`,
          method: method.toUpperCase(),
          template,
          operationId: typeof raw.operationId === 'string' ? raw.operationId : '',
          parameters: collectParameters(doc, shared, `${itemPointer}/parameters`, asArray(raw.parameters), `${opPointer}/parameters`),
          responses: collectResponses(doc, raw.responses, `${opPointer}/responses`),
        };
        const body = collectRequestBody(doc, raw.requestBody, `${opPointer}/requestBody`);
        if (body) operation.requestBody = body;
        const segments = splitPath(template);
        this.entries.push({ operation, segments, literals: segments.filter((s) => !isPlaceholder(s)).length });
      }
    }
    // '/threads/runs' must win over '/threads/{thread_id}'.
    this.entries.sort((a, b) => b.literals - a.literals);
  }

  match(method: string, path: string): OperationMatch | undefined {
    const actual = splitPath(path);
    for (const entry of this.entries) {
      if (entry.operation.method !== method.toUpperCase()) continue;
      const params = matchSegments(entry.segments, actual);
      if (params) return { operation: entry.operation, params };
    }
    return undefined;
  }

  /** True when some method is documented for the path, to tell 405-ish from 404-ish requests apart. */
  knowsPath(path: string): boolean {
    const actual = splitPath(path);
    return this.entries.some((e) => matchSegments(e.segments, actual) !== undefined);
  }

  find(id: string): Operation | undefined {
    return this.entries.find((e) => e.operation.id === id)?.operation;
  }
}

function splitPath(p: string): string[] {
  return p.split('/').filter((s) => s.length > 0);
}

function isPlaceholder(segment: string): boolean {
  return segment.startsWith('{') && segment.endsWith('}');
}

function matchSegments(template: string[], actual: string[]): Record<string, string> | undefined {
  if (template.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i] as string;
    const a = actual[i] as string;
    if (isPlaceholder(t)) {
      let value: string;
      try {
        value = decodeURIComponent(a);
      } catch {
        return undefined;
      }
      params[t.slice(1, -1)] = value;
    } else if (t !== a) {
      return undefined;
    }
  }
  return params;
}

function collectParameters(doc: OpenApiDocument, shared: unknown[], sharedPointer: string, own: unknown[], ownPointer: string): OperationParameter[] {
  const byKey = new Map<string, OperationParameter>();
  const add = (list: unknown[], base: string): void => {
    list.forEach((p, i) => {
      const { value, pointer } = deref(doc, p, `${base}/${i}`);
      if (!isRecord(value) || typeof value.name !== 'string' || typeof value.in !== 'string') return;
      const param: OperationParameter = {
        name: value.name,
        in: value.in as OperationParameter['in'],
        required: value.required === true,
      };
      if (isRecord(value.schema)) {
        param.schemaPointer = `${pointer}/schema`;
        if (typeof value.schema.type === 'string') param.schemaType = value.schema.type;
      }
      byKey.set(`${param.in}:${param.name}`, param);
    });
  };
  add(shared, sharedPointer);
  add(own, ownPointer);
  return [...byKey.values()];
}

function collectRequestBody(doc: OpenApiDocument, raw: unknown, pointer: string): Operation['requestBody'] {
  const { value, pointer: at } = deref(doc, raw, pointer);
  if (!isRecord(value) || !isRecord(value.content)) return undefined;
  const schemaPointers: Record<string, string> = {};
  for (const [mediaType, media] of Object.entries(value.content)) {
    if (isRecord(media) && media.schema !== undefined) schemaPointers[mediaType] = `${at}/content/${escapePointerSegment(mediaType)}/schema`;
  }
  return { required: value.required === true, schemaPointers };
}

function collectResponses(doc: OpenApiDocument, raw: unknown, pointer: string): Operation['responses'] {
  const out: Operation['responses'] = {};
  if (!isRecord(raw)) return out;
  for (const status of Object.keys(raw)) {
    const { value, pointer: at } = deref(doc, raw[status], `${pointer}/${escapePointerSegment(status)}`);
    if (!isRecord(value) || !isRecord(value.content)) continue;
    const media: Record<string, string> = {};
    for (const [mediaType, m] of Object.entries(value.content)) {
      if (isRecord(m) && m.schema !== undefined) media[mediaType] = `${at}/content/${escapePointerSegment(mediaType)}/schema`;
    }
    out[status] = media;
  }
  return out;
}

/** Follows a local `$ref` (parameters and responses are often shared components). */
function deref(doc: OpenApiDocument, value: unknown, pointer: string): { value: unknown; pointer: string } {
  let current = value;
  let at = pointer;
  for (let hops = 0; hops < 8 && isRecord(current) && typeof current.$ref === 'string'; hops++) {
    at = current.$ref;
    current = resolvePointer(doc, at);
  }
  return { value: current, pointer: at };
}

export function resolvePointer(doc: unknown, pointer: string): unknown {
  if (!pointer.startsWith('#')) return undefined;
  let node: unknown = doc;
  for (const raw of pointer.slice(1).split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isRecord(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
