import Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { isRecord, resolvePointer } from './operations';
import type { NormalizedSpec } from './spec-normalize';

/** Multipart file fields are handed to the validator as this prefix + file name, so `format: binary` can tell a file from a plain text field. */
export const FILE_MARKER = '\u0000file:';

/** How the instance was encoded: JSON bodies are typed, multipart fields are all strings until coerced. */
export type Encoding = 'json' | 'form';

const ROOT_ID = 'https://fake-openai.snapask.test/openapi.json';
const AGGREGATE_KEYWORDS = new Set(['oneOf', 'anyOf', 'allOf', 'if', '$ref']);
/** Properties whose enum value says "which kind of object this is"; a mismatch there rules out the whole branch. */
const KIND_PROPERTIES = new Set(['type', 'event', 'object']);

/**
 * JSON Schema validation against the (normalized) OpenAPI document. Validators compile
 * lazily per schema pointer: compiling everything up front would cost seconds for
 * schemas no test ever touches.
 */
export class SpecValidator {
  private readonly ajv: Record<Encoding, Ajv2020>;
  private readonly compiled: Record<Encoding, Map<string, ValidateFunction>> = { json: new Map(), form: new Map() };
  private readonly variants = new Map<string, string | undefined>();

  constructor(private readonly spec: NormalizedSpec) {
    this.ajv = { json: this.makeAjv('json'), form: this.makeAjv('form') };
  }

  /** Returns one readable problem (the most specific one), or undefined when valid. */
  check(pointer: string, data: unknown, encoding: Encoding = 'json'): string | undefined {
    const validate = this.compile(pointer, encoding);
    if (validate(data)) return undefined;
    return describeErrors(validate.errors ?? [], this.spec);
  }

  /**
   * Finds the branch of a union (oneOf/anyOf, through $refs) whose `property` is fixed to `value`,
   * e.g. the AssistantStreamEvent variant with `event: thread.run.created`. Checking against that
   * branch alone gives a precise error instead of "must match exactly one schema in oneOf".
   */
  variant(unionPointer: string, property: string, value: string): string | undefined {
    const key = `${unionPointer}|${property}|${value}`;
    if (!this.variants.has(key)) this.variants.set(key, this.findVariant(unionPointer, property, value, 0));
    return this.variants.get(key);
  }

  checkVariant(unionPointer: string, property: string, value: string, data: unknown): string | undefined {
    const branch = this.variant(unionPointer, property, value);
    if (!branch) return `no variant of ${unionPointer} has ${property} ${JSON.stringify(value)}`;
    return this.check(branch, data);
  }

  private findVariant(pointer: string, property: string, value: string, depth: number): string | undefined {
    if (depth > 12) return undefined;
    const node = resolvePointer(this.spec.doc, pointer);
    if (!isRecord(node)) return undefined;
    if (typeof node.$ref === 'string' && !node.oneOf && !node.anyOf) return this.findVariant(node.$ref, property, value, depth + 1);
    const props = node.properties;
    if (isRecord(props) && isRecord(props[property])) {
      const p = props[property];
      if ((Array.isArray(p.enum) && p.enum.includes(value)) || p.const === value) return pointer;
    }
    for (const keyword of ['oneOf', 'anyOf'] as const) {
      const branches = node[keyword];
      if (!Array.isArray(branches)) continue;
      for (let i = 0; i < branches.length; i++) {
        const found = this.findVariant(`${pointer}/${keyword}/${i}`, property, value, depth + 1);
        if (found) return found;
      }
    }
    return undefined;
  }

  private compile(pointer: string, encoding: Encoding): ValidateFunction {
    const cache = this.compiled[encoding];
    let validate = cache.get(pointer);
    if (!validate) {
      validate = this.ajv[encoding].compile({ $ref: `${ROOT_ID}${pointer}` });
      cache.set(pointer, validate);
    }
    return validate;
  }

  private makeAjv(encoding: Encoding): Ajv2020 {
    const ajv = new Ajv2020({
      strict: false,
      allErrors: true,
      // parentSchema in errors is what lets messages name the component (refs otherwise report paths relative to themselves).
      verbose: true,
      inlineRefs: false,
      validateSchema: false,
      // Multipart sends numbers and booleans as text, the way the real server reads them.
      coerceTypes: encoding === 'form',
    });
    addFormats(ajv);
    for (const format of collectFormats(this.spec.doc)) {
      if (format === 'binary') continue;
      // The file uses formats JSON Schema doesn't define (unixtime, ...): annotations only.
      if (!(format in ajv.formats)) ajv.addFormat(format, true);
    }
    ajv.addFormat('binary', encoding === 'form' ? (s: string) => s.startsWith(FILE_MARKER) : true);
    ajv.addSchema({ $id: ROOT_ID, components: this.spec.doc.components, paths: this.spec.doc.paths });
    return ajv;
  }
}

function collectFormats(doc: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (isRecord(n)) {
      if (typeof n.format === 'string') out.add(n.format);
      for (const v of Object.values(n)) walk(v);
    }
  };
  walk(doc);
  return out;
}

/**
 * Ajv reports every failed branch of every union; a person wants the one that explains the
 * mistake. Branches whose kind property (`type`, `event`, `object`) doesn't match are dropped,
 * then the deepest remaining error wins.
 */
export function describeErrors(errors: ErrorObject[], spec: NormalizedSpec): string {
  const where = (e: ErrorObject): string => {
    const loc = isRecord(e.parentSchema) ? spec.locations.get(e.parentSchema) : undefined;
    if (loc === undefined) return e.schemaPath;
    const keyword = e.keyword === 'anyOf' && isRecord(e.parentSchema) && spec.renamedOneOf.has(e.parentSchema) ? 'oneOf' : e.keyword;
    return `${loc}/${keyword}`;
  };
  const concrete = errors.filter((e) => !AGGREGATE_KEYWORDS.has(e.keyword));

  const kindErrors = concrete.filter((e) => (e.keyword === 'enum' || e.keyword === 'const') && KIND_PROPERTIES.has(lastSegment(e.instancePath)));
  const rejected = kindErrors.map((e) => ({
    objectPath: parentPath(e.instancePath),
    schemaLoc: where(e).replace(/\/properties\/[^/]+\/(enum|const)$/, ''),
  }));
  const survivors = concrete.filter(
    (e) => !rejected.some((r) => isPathPrefix(r.objectPath, e.instancePath) && (where(e) === r.schemaLoc || where(e).startsWith(`${r.schemaLoc}/`))),
  );

  const deepest = pickDeepest(survivors);
  const deepestKind = pickDeepest(kindErrors);
  // A kind error sits one level below the object it rules out; a survivor on that object itself is more specific.
  if (deepestKind && (!deepest || depth(deepestKind.instancePath) - 1 > depth(deepest.instancePath))) {
    // Every branch was ruled out by its kind: say which kinds exist.
    const at = deepestKind.instancePath;
    const allowed = new Set<string>();
    for (const e of kindErrors) if (e.instancePath === at) for (const v of allowedValues(e)) allowed.add(JSON.stringify(v));
    const union = errors.find((e) => (e.keyword === 'oneOf' || e.keyword === 'anyOf') && e.instancePath === parentPath(at));
    return `${at} must be one of ${[...allowed].join(', ')} (${where(union ?? deepestKind)})`;
  }
  const chosen = deepest ?? errors[0];
  if (!chosen) return 'invalid (no detail from validator)';
  return `${chosen.instancePath || '/'} ${chosen.message ?? 'is invalid'}${detail(chosen)} (${where(chosen)})`;
}

function detail(e: ErrorObject): string {
  if (e.keyword === 'enum' || e.keyword === 'const') return `: ${allowedValues(e).map((v) => JSON.stringify(v)).join(', ')}`;
  if (e.keyword === 'additionalProperties') return `: '${String((e.params as { additionalProperty?: unknown }).additionalProperty)}'`;
  return '';
}

function allowedValues(e: ErrorObject): unknown[] {
  const p = e.params as { allowedValues?: unknown[]; allowedValue?: unknown };
  if (Array.isArray(p.allowedValues)) return p.allowedValues;
  return 'allowedValue' in p ? [p.allowedValue] : [];
}

function pickDeepest(list: ErrorObject[]): ErrorObject | undefined {
  let best: ErrorObject | undefined;
  for (const e of list) if (!best || depth(e.instancePath) > depth(best.instancePath)) best = e;
  return best;
}

function depth(p: string): number {
  return p === '' ? 0 : p.split('/').length - 1;
}

function lastSegment(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function parentPath(p: string): string {
  return p.slice(0, Math.max(0, p.lastIndexOf('/')));
}

function isPathPrefix(prefix: string, p: string): boolean {
  return p === prefix || p.startsWith(`${prefix}/`);
}
