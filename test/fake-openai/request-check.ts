import type { Contract } from './contract';
import type { ParsedBody } from './http-body';
import type { Operation } from './operations';
import { FILE_MARKER } from './validator';

/**
 * Judges one request against its operation in the spec: query parameters, content type and
 * body. Returns the first problem, already prefixed with the operation, or undefined.
 */
export function checkRequest(contract: Contract, operation: Operation, query: URLSearchParams, body: ParsedBody): string | undefined {
  const problem = checkQuery(contract, operation, query) ?? checkBody(contract, operation, body);
  return problem === undefined ? undefined : `${operation.id}: ${problem}`;
}

function checkQuery(contract: Contract, operation: Operation, query: URLSearchParams): string | undefined {
  for (const param of operation.parameters) {
    if (param.in !== 'query') continue;
    const values = query.getAll(param.name);
    if (values.length === 0) {
      if (param.required) return `query parameter '${param.name}' is required`;
      continue;
    }
    if (!param.schemaPointer) continue;
    const value: unknown = param.schemaType === 'array' ? values : values[values.length - 1];
    // Query strings are text: the coercing ('form') validator reads '20' as the integer the schema wants.
    const problem = contract.validator.check(param.schemaPointer, value, 'form');
    if (problem) return `query parameter '${param.name}'${problem.replace(/^\/ /, ' ')}`;
  }
  return undefined;
}

function checkBody(contract: Contract, operation: Operation, body: ParsedBody): string | undefined {
  const declared = operation.requestBody;
  if (!declared) return undefined;
  if (body.kind === 'none') return declared.required ? 'a request body is required' : undefined;
  if (body.kind === 'unparseable') return `could not parse the ${body.mediaType || 'request'} body: ${body.reason}`;

  const mediaType = body.kind === 'json' ? 'application/json' : 'multipart/form-data';
  const pointer = declared.schemaPointers[mediaType];
  if (!pointer) return `content type ${mediaType} is not accepted (the spec lists ${Object.keys(declared.schemaPointers).join(', ')})`;
  if (body.kind === 'json') return contract.validator.check(pointer, body.value);

  const instance: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body.fields)) setBracketed(instance, name, value);
  for (const [name, file] of Object.entries(body.files)) setBracketed(instance, name, `${FILE_MARKER}${file.name}`);
  return contract.validator.check(pointer, instance, 'form');
}

/** Multipart encodes nested objects as `expires_after[anchor]=created_at`; rebuild the object the schema describes. */
function setBracketed(target: Record<string, unknown>, name: string, value: string): void {
  const keys = name.replace(/\]/g, '').split('[');
  let node = target;
  keys.forEach((key, i) => {
    if (i === keys.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  });
}
