import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

/** The parts of an OpenAPI document the double reads; the rest stays opaque. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown>; [key: string]: unknown };
  [key: string]: unknown;
}

/** /work/main when running from dist/test/fake-openai. */
export const REPO_ROOT = path.resolve(__dirname, '../../..');

export function defaultSpecPath(): string {
  const fromEnv = process.env.SNAPASK_OPENAPI;
  if (fromEnv) return path.resolve(fromEnv);
  return path.resolve(__dirname, '../../../../shared/openai/openapi.yaml');
}

const memo = new Map<string, OpenApiDocument>();

/**
 * Parses the spec once per process and once per machine: the YAML is 3 MB, the
 * JSON cache (keyed by the YAML's hash, so an edited spec is never served stale)
 * loads several times faster, which matters because every jest file is a fresh module registry.
 */
export function loadSpec(specPath: string = defaultSpecPath(), cacheDir: string = path.join(REPO_ROOT, 'build')): OpenApiDocument {
  const key = path.resolve(specPath);
  const known = memo.get(key);
  if (known) return known;

  let yamlText: Buffer;
  try {
    yamlText = fs.readFileSync(key);
  } catch (e) {
    throw new Error(`fake-openai: cannot read the OpenAPI description at ${key} (set SNAPASK_OPENAPI to override): ${(e as Error).message}`);
  }
  const digest = createHash('sha256').update(yamlText).digest('hex').slice(0, 16);
  const cacheFile = path.join(cacheDir, `openapi.${digest}.json`);

  let doc: OpenApiDocument | undefined;
  try {
    doc = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as OpenApiDocument;
  } catch {
    // A missing or half-written cache is just a cache miss.
  }
  if (!doc) {
    doc = parseYaml(yamlText.toString('utf8'), { maxAliasCount: -1 }) as OpenApiDocument;
    writeCache(cacheDir, cacheFile, doc);
  }
  if (!doc || typeof doc !== 'object' || !doc.paths || !doc.components?.schemas) {
    throw new Error(`fake-openai: ${key} is not an OpenAPI document with paths and components.schemas`);
  }
  memo.set(key, doc);
  return doc;
}

function writeCache(cacheDir: string, cacheFile: string, doc: OpenApiDocument): void {
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    // Jest runs test files in parallel workers: write-then-rename keeps readers from seeing half a file.
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(doc));
    fs.renameSync(tmp, cacheFile);
  } catch {
    // The cache only saves time; a read-only checkout still works.
  }
}
