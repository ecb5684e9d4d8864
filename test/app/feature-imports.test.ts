import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** The source tree (the tests run from dist/test; the .ts files are where they always are). */
const SRC = resolve(__dirname, '../../../src');
/** Only these read the config and wire the parts; every other folder depends on its own narrow options. */
const WIRING = ['app', 'cli', 'config'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Every module a file imports or re-exports by a relative path, resolved to a folder under src/. */
function importedFolders(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"](\.[^'"]+)['"]|\bimport\(\s*['"](\.[^'"]+)['"]\s*\)|\brequire\(\s*['"](\.[^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  return specs.map((s) => relative(SRC, resolve(dirname(file), s)).split('/')[0]!);
}

describe('wiring stays in src/app, src/cli and src/config', () => {
  it('no file elsewhere under src/ imports from config/ or app/', () => {
    const offenders = sources(SRC)
      .filter((f) => !WIRING.includes(relative(SRC, f).split('/')[0]!))
      .flatMap((f) => importedFolders(f).filter((d) => d === 'config' || d === 'app').map((d) => `${relative(SRC, f)} imports from ${d}/`));
    expect(offenders).toEqual([]);
  });

  it('the scan sees an import of config/ (it can fail)', () => {
    expect(importedFolders(join(SRC, 'cli', 'run.ts'))).toContain('config');
    expect(importedFolders(join(SRC, 'cli', 'run.ts'))).toContain('app');
  });
});
