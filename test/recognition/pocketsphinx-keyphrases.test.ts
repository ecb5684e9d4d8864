import { keyphraseFile, planKeyphrases } from '../../src/recognition/pocketsphinx-keyphrases';

/** A dictionary's pronunciations, as the decoder's lookup gives them. */
const DICT: Record<string, string[]> = {
  snapshot: ['S N AE P SH AA T'],
  reply: ['R IY P L AY', 'R AH P L AY'],
  snap: ['S N AE P'],
  apply: ['AH P L AY'],
  applied: ['AH P L AY D'],
  cancel: ['K AE N S AH L'],
  stop: ['S T AA P'],
};
const prons = (w: string) => DICT[w] ?? [];
const plan = (keywords: string[], o = {}, inDictionary = (_: string) => false) => planKeyphrases(keywords, o, prons, inDictionary, '/dict');

describe('the kws search plan (no decoder)', () => {
  it('each pronunciation, the noisy room\'s weak fit, the extra pronunciation and the decoys, in the search file\'s order', () => {
    const p = plan(['snapshot', 'reply']);
    expect(p.phrases.map((x) => [x.name, x.quiet, x.noisy, x.decoy])).toEqual([
      ['snapask_kw_snapshot_0', 1e-25, 1e-30, false],
      ['snapask_weak_snapshot_0', null, 1e-45, false],
      ['snapask_kw_snapshot_1', 1e-25, null, false],
      ['snapask_decoy_snapshot_snap_0', 1e-40, 1e-40, true],
      ['snapask_kw_reply_0', 1e-30, 1e-30, false],
      ['snapask_kw_reply_1', 1e-30, 1e-30, false],
      ['snapask_decoy_reply_apply_0', 1e-40, 1e-40, true],
      ['snapask_decoy_reply_applied_0', 1e-40, 1e-40, true],
    ]);
    expect(p.phrases.find((x) => x.name === 'snapask_weak_snapshot_0')!.minWordSamples).toBe(0.6 * 16000);
    expect(p.phrases.find((x) => x.name === 'snapask_kw_snapshot_1')!.pron).toBe('S N AE P SH AO T');
    expect(p.thresholds).toEqual({ snapshot: 1e-25, reply: 1e-30 });
    expect(p.noisyThresholds).toEqual({ snapshot: 1e-30, reply: 1e-30 });
    expect(Object.keys(p.weakFits)).toEqual(['snapshot']);
  });

  it('writes one line per phrase searched in each room; the rooms\' files differ only where thresholds do', () => {
    const p = plan(['snapshot', 'stop']);
    const quiet = keyphraseFile(p.phrases, 'quiet').split('\n');
    const noisy = keyphraseFile(p.phrases, 'noisy').split('\n');
    expect(quiet).toContain('snapask_kw_snapshot_0/1.000e-25/');
    expect(noisy).toContain('snapask_kw_snapshot_0/1.000e-30/');
    expect(quiet.some((l) => l.startsWith('snapask_weak_'))).toBe(false);
    expect(noisy.some((l) => l.startsWith('snapask_kw_snapshot_1/'))).toBe(false);
    const stopOnly = plan(['stop']).phrases;
    expect(keyphraseFile(stopOnly, 'quiet')).toBe(keyphraseFile(stopOnly, 'noisy'));
  });

  it('a threshold given for a word holds in both rooms and replaces its weak fit; a word without a tuned one gets a guess by length', () => {
    const p = plan(['snapshot', 'cancel'], { thresholds: { snapshot: 1e-20 } });
    expect(p.thresholds.snapshot).toBe(1e-20);
    expect(p.noisyThresholds.snapshot).toBe(1e-20);
    expect(p.weakFits).toEqual({});
    const guessed = planKeyphrases(['snap'], { decoys: {} }, prons, () => false, '/dict');
    expect(guessed.thresholds.snap).toBe(1e-15);
  });

  it('refuses what cannot be searched, naming the word and the file', () => {
    expect(() => plan(['photo'])).toThrow('keyword "photo" is not in the pocketsphinx dictionary /dict');
    expect(() => plan(['reply'], { decoys: { reply: ['apple'] } })).toThrow('decoy "apple" for "reply" is not in the pocketsphinx dictionary /dict');
    expect(() => plan(['stop'], { thresholds: { stop: -1 } })).toThrow('threshold for "stop" must be a positive number, got -1');
    expect(() => plan(['snapshot'], { noisyWeakFits: { snapshot: { threshold: 1e-20, minWordSeconds: 0.5 } } })).toThrow('weak-fit threshold for "snapshot" must be below 1e-30');
    expect(() => plan(['stop'], {}, (w) => w === 'snapask_kw_stop_0')).toThrow('dictionary already has a word snapask_kw_stop_0');
    expect(() => plan(['reply'], { decoys: { reply: ['apply', 'apply'] } })).toThrow('dictionary already has a word snapask_decoy_reply_apply_0');
  });
});
