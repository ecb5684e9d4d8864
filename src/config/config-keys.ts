import { Kind, OptionalKind, type TSchema } from '@sinclair/typebox';
import Ajv, { type ValidateFunction } from 'ajv';
import { type Config, ConfigSchema } from './config-schema';

/*
 * What the schema (config-schema.ts) tells the rest: its keys as dotted paths, their SNAPASK_ variables, their
 * defaults, and whether a value is allowed, with the line that says why not.
 */

/** One settable key: a dotted path to a value (an object of its own, like zapier.parameters, is one value). */
export interface KeyInfo {
  key: string;
  schema: TSchema;
  optional: boolean;
}

/** An object of keys (a section), as opposed to a value. */
export function isSection(schema: TSchema): boolean {
  return schema[Kind] === 'Object';
}

function walk(schema: TSchema, prefix: string, out: KeyInfo[], sections: string[]): void {
  for (const [name, child] of Object.entries(schema.properties as Record<string, TSchema>)) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (isSection(child)) {
      sections.push(key);
      walk(child, key, out, sections);
    } else {
      out.push({ key, schema: child, optional: child[OptionalKind] === 'Optional' });
    }
  }
}

const KEYS: KeyInfo[] = [];
const SECTIONS: string[] = [];
walk(ConfigSchema, '', KEYS, SECTIONS);
const BY_KEY = new Map(KEYS.map((k) => [k.key, k]));

/** Every key a config file, the settings overlay or a SNAPASK_ variable may set, in the schema's order. */
export function configKeys(): string[] {
  return KEYS.map((k) => k.key);
}

export function keyInfo(key: string): KeyInfo | undefined {
  return BY_KEY.get(key);
}

/** Sections (objects of keys) by dotted path: "gpio", "gpio.leds", ... */
export function configSections(): string[] {
  return [...SECTIONS];
}

/** The schema of a section or key by dotted path ("" is the whole config). */
export function schemaAt(path: string): TSchema | undefined {
  let node: TSchema = ConfigSchema;
  for (const part of path ? path.split('.') : []) {
    if (!isSection(node)) return undefined;
    const next = (node.properties as Record<string, TSchema>)[part];
    if (!next) return undefined;
    node = next;
  }
  return node;
}

/**
 * The environment variable that overrides a key: SNAPASK_ and the key in upper snake case
 * (camera.bufferMB -> SNAPASK_CAMERA_BUFFER_MB).
 */
export function envName(key: string): string {
  return `SNAPASK_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/\./g, '_').toUpperCase()}`;
}

/** The defaults the schema declares (stateDir excepted: it depends on the environment, see state-dir.ts). */
export function schemaDefaults(): Omit<Config, 'stateDir'> {
  const out: Record<string, unknown> = {};
  // Every section, even one whose keys are all optional (audio: {}).
  for (const section of SECTIONS) setPath(out, section, {});
  for (const { key, schema } of KEYS) {
    if (schema.default !== undefined) setPath(out, key, structuredClone(schema.default));
  }
  return out as Omit<Config, 'stateDir'>;
}

export function setPath(root: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let obj = root;
  for (const p of parts.slice(0, -1)) obj = (obj[p] ??= {}) as Record<string, unknown>;
  obj[parts[parts.length - 1]!] = value;
}

export function getPath(root: unknown, key: string): unknown {
  let v = root;
  for (const p of key.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

// Compiling is the cost (tens of ms a schema on a Pi): the schema is checked by the tests, not at each start, and
// keys of the same shape share one compiled check.
const ajv = new Ajv({ allErrors: false, strict: true, validateSchema: false, addUsedSchema: false });
// The schema's own annotations (config-schema.ts), and one check JSON Schema cannot say: every required name is a property.
ajv.addVocabulary(['unit', 'allowed', 'defaultText', 'envAlias']);
ajv.addKeyword({
  keyword: 'requiredListed',
  type: 'object',
  schemaType: 'boolean',
  validate: (_on: boolean, data: { properties?: object; required?: unknown }) =>
    !Array.isArray(data.required) || data.required.every((r) => typeof r === 'string' && typeof data.properties === 'object' && data.properties !== null && r in data.properties),
});
const ANNOTATIONS = new Set(['description', 'default', 'unit', 'allowed', 'defaultText', 'envAlias']);
const validators = new Map<string, ValidateFunction>();
function validator(schema: TSchema): ValidateFunction {
  const shape = JSON.stringify(schema, (k, v: unknown) => (ANNOTATIONS.has(k) ? undefined : v));
  let v = validators.get(shape);
  if (!v) validators.set(shape, (v = ajv.compile(schema)));
  return v;
}

/** Whether a whole config matches the schema (the tests check the defaults with it; loading checks key by key). */
export function configMatchesSchema(config: unknown): boolean {
  return validator(ConfigSchema)(config);
}

/** Whether `value` is allowed for `key` (a known key). */
export function allows(key: string, value: unknown): boolean {
  return validator(BY_KEY.get(key)!.schema)(value);
}

/** undefined when allowed, else the line: the key, the value, what is allowed and what was given. */
export function valueProblem(key: string, value: unknown): string | undefined {
  if (allows(key, value)) return undefined;
  return `${key} = ${shown(value)} is not allowed; expected ${allowedText(BY_KEY.get(key)!.schema)} (got ${kindOf(value)})`;
}

function shown(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** What kind of value was given, in the owner's words. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return value === '' ? 'empty text' : 'text';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a whole number' : 'a number';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

/** What a key allows, said from its schema: its `allowed` annotation, else its choices, type, unit and bounds. */
export function allowedText(schema: TSchema): string {
  if (typeof schema.allowed === 'string') return schema.allowed;
  const anyOf = schema.anyOf as TSchema[] | undefined;
  if (anyOf?.every((s) => s.const !== undefined)) {
    const values = anyOf.map((s) => String(s.const));
    return values.length === 1 ? values[0]! : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
  }
  if (anyOf) return anyOf.map(allowedText).join(', or ');
  switch (schema.type) {
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'null';
    case 'string':
      return 'text';
    case 'integer':
    case 'number': {
      const unit = schema.unit as string | undefined;
      const base = unit ?? (schema.type === 'integer' ? 'a whole number' : 'a number');
      const lo = schema.minimum as number | undefined;
      const hi = schema.maximum as number | undefined;
      if (lo !== undefined && hi !== undefined) return unit ? `${base}, ${lo} to ${hi}` : `${base} from ${lo} to ${hi}`;
      if (schema.exclusiveMinimum === 0) return unit ? `${base}, more than 0` : `${base} above 0`;
      if (lo !== undefined) return unit ? `${base}, ${lo} or more` : `${base} of ${lo} or more`;
      return base;
    }
    default:
      return 'a value of the right shape';
  }
}

/** Levenshtein distance, case-insensitive (a wrong case costs as much as a wrong letter). */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The candidate nearest to `name` (the first of equals, so the schema's order decides a tie). */
export function closest(name: string, candidates: readonly string[]): string {
  let best = candidates[0]!;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}

/** For an unknown key in a file or the overlay: the nearest key or section. */
export function nearestKey(key: string): string {
  return closest(key, [...configKeys(), ...SECTIONS]);
}

/** A file's (or the overlay's) nested keys as dotted keys and values; what is not a key, one line each. */
export function flattenLayer(values: unknown, where: string): { entries: [string, unknown][]; problems: string[] } {
  const entries: [string, unknown][] = [];
  const problems: string[] = [];
  const visit = (node: unknown, prefix: string) => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) {
      problems.push(`${where}: ${prefix || 'the top level'} must be an object of keys (got ${kindOf(node)})`);
      return;
    }
    for (const [name, v] of Object.entries(node)) {
      const key = prefix ? `${prefix}.${name}` : name;
      if (BY_KEY.has(key)) entries.push([key, v]);
      else if (SECTIONS.includes(key)) visit(v, key);
      else problems.push(`${where}: unknown key "${key}"; did you mean "${nearestKey(key)}"?`);
    }
  };
  visit(values, '');
  return { entries, problems };
}
