import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli';

const MODEL = '/usr/share/pocketsphinx/model/en-us';

/** A copy of Debian's model with one file garbled, as a bad SD card or an interrupted copy leaves it. */
function garbled(file: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'snapask-model-'));
  cpSync(MODEL, dir, { recursive: true });
  writeFileSync(join(dir, file), Buffer.from('\x00\x13garbage'.repeat(100), 'latin1'));
  return dir;
}

describe('a corrupt PocketSphinx model', () => {
  it.each(['en-us/mdef', 'en-us/means', 'en-us.lm.bin'])('%s garbled: one clear line at start of `snapask run`, not a silent exit', async (file) => {
    const dir = garbled(file);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ recogniser: { engine: 'pocketsphinx', modelDir: dir }, camera: { kind: 'none' }, stateDir: join(dir, 'state') }));
    const r = await runCli(['run', '--config', join(dir, 'config.json')], { FAKE_ARECORD_WAV: '/dev/null' }, 30_000);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([`snapask: pocketsphinx model in ${dir} is corrupt: ${file} is not ${file === 'en-us.lm.bin' ? 'a language model' : file.endsWith('mdef') ? 'an acoustic model definition' : 'acoustic model means'}`]);
  }, 40_000);
});
