import type { OpenApiDocument } from './spec';

/**
 * OpenAI's file says `openapi: 3.1.0` but still carries OpenAPI 3.0 idioms that a
 * JSON Schema 2020-12 validator reads differently from what the authors meant.
 * Translating them here keeps the validator honest instead of failing every valid payload:
 *
 * - `nullable: true` (a 3.0 keyword, meaningless in 3.1; Ajv even throws on it without `type`)
 *   becomes `anyOf: [schema, {type: 'null'}]`; `allOf: [X, {nullable: true}]` becomes X-or-null.
 *   Without this, RunObject's required `required_action: null` would be "invalid".
 * - `oneOf` carrying a `discriminator` becomes `anyOf`: the discriminator, not exclusive matching,
 *   picks the branch. Without it, InputItem rejects every plain `{role, content}` message because
 *   both EasyInputMessage and Item->InputMessage match.
 * - boolean `exclusiveMinimum`/`exclusiveMaximum` (draft-4 style) become the numeric form.
 * - `$recursiveRef: '#'` (2019-09, unknown to 2020-12) becomes a `$ref` to the enclosing component.
 * - `MCPApprovalResponse` requires a `request_id` it never declares (a slip in the file: the
 *   property is `approval_request_id`, also required, and the real API refuses unknown fields);
 *   the undeclared name is dropped from `required`.
 */
export interface NormalizedSpec {
  doc: OpenApiDocument;
  /** Where each schema object sat in the original file, for error messages that point into it. */
  locations: Map<object, string>;
  /** Schema objects whose `anyOf` was a `oneOf` in the file. */
  renamedOneOf: Set<object>;
}

/** Keys whose values map names to schemas (or, for the document's own maps, to operations). */
const NAME_MAP_KEYS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas', 'content', 'responses', 'headers']);

/** Keys whose values are data or annotations, never subschemas. */
const DATA_KEYS = new Set(['example', 'examples', 'default', 'enum', 'const', 'required', 'description', 'title', 'discriminator']);

export function escapePointerSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function normalizeSpec(raw: OpenApiDocument): NormalizedSpec {
  const doc = structuredClone(raw);
  const locations = new Map<object, string>();
  const renamedOneOf = new Set<object>();

  const walk = (node: unknown, pointer: string, isNameMap = false): unknown => {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) node[i] = walk(node[i], `${pointer}/${i}`);
      return node;
    }
    if (!isObject(node)) return node;
    if (isNameMap) {
      // Under `properties` a key like `description` or `default` names a property, not an annotation.
      for (const key of Object.keys(node)) node[key] = walk(node[key], `${pointer}/${escapePointerSegment(key)}`);
      return node;
    }
    locations.set(node, pointer);

    // Must run before the children are walked, or the bare {nullable: true} would itself be wrapped.
    let nullable = false;
    if (Array.isArray(node.allOf)) {
      const kept = node.allOf.filter((part) => !isBareNullable(part));
      if (kept.length !== node.allOf.length) {
        nullable = true;
        if (kept.length > 0) node.allOf = kept;
        else delete node.allOf;
      }
    }

    for (const key of Object.keys(node)) {
      if (DATA_KEYS.has(key) || key.startsWith('x-')) continue;
      node[key] = walk(node[key], `${pointer}/${escapePointerSegment(key)}`, NAME_MAP_KEYS.has(key));
    }

    fixExclusiveBound(node, 'exclusiveMinimum', 'minimum');
    fixExclusiveBound(node, 'exclusiveMaximum', 'maximum');
    if (node.$recursiveRef === '#') {
      node.$ref = componentRoot(pointer);
      delete node.$recursiveRef;
    }
    if (Array.isArray(node.oneOf) && isObject(node.discriminator) && node.anyOf === undefined) {
      node.anyOf = node.oneOf;
      delete node.oneOf;
      renamedOneOf.add(node);
    }
    if (node.nullable === true) nullable = true;
    if (typeof node.nullable === 'boolean') delete node.nullable;

    if (!nullable) return node;
    const wrapper = { anyOf: [node, { type: 'null' }] };
    locations.set(wrapper, pointer);
    return wrapper;
  };

  const components = doc.components as Record<string, unknown>;
  const approval = (components.schemas as Record<string, Record<string, unknown>> | undefined)?.MCPApprovalResponse;
  if (approval && Array.isArray(approval.required) && isObject(approval.properties)) {
    const declared = approval.properties;
    approval.required = approval.required.filter((k) => typeof k === 'string' && k in declared);
  }
  for (const key of Object.keys(components)) {
    components[key] = walk(components[key], `#/components/${escapePointerSegment(key)}`, true);
  }
  doc.paths = walk(doc.paths, '#/paths', true) as OpenApiDocument['paths'];
  return { doc, locations, renamedOneOf };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isBareNullable(v: unknown): boolean {
  if (!isObject(v) || v.nullable !== true) return false;
  return Object.keys(v).every((k) => k === 'nullable' || k === 'description' || k === 'title');
}

function fixExclusiveBound(node: Record<string, unknown>, exclusiveKey: string, boundKey: string): void {
  const flag = node[exclusiveKey];
  if (typeof flag !== 'boolean') return;
  if (flag && typeof node[boundKey] === 'number') {
    node[exclusiveKey] = node[boundKey];
    delete node[boundKey];
  } else {
    delete node[exclusiveKey];
  }
}

function componentRoot(pointer: string): string {
  const m = /^#\/components\/schemas\/[^/]+/.exec(pointer);
  return m ? m[0] : '#';
}
