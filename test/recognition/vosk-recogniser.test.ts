import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadVosk } from '../../src/recognition/vosk-binding';
import { VOSK_MODEL_FIX, VoskEventTracker, VoskRecogniser } from '../../src/recognition/vosk-recogniser';
import { parseFinal, parsePartial, VoskResultError } from '../../src/recognition/vosk-result';
import { RecogniserError, type KeywordEvent, type TranscriptEvent } from '../../src/recognition/recogniser';

const dir = mkdtempSync(join(tmpdir(), 'snapask-vosk-'));

describe('libvosk through koffi (the real library, no model)', () => {
  it('loads the library the vosk package ships', () => {
    const api = loadVosk();
    expect(api.path).toMatch(/libvosk\.so$/);
    api.setLogLevel(-3);
  });

  it('the library itself refuses a missing or junk model directory', () => {
    const api = loadVosk();
    api.setLogLevel(-3);
    expect(api.modelNew(join(dir, 'absent'))).toBeNull();
    const junk = join(dir, 'junk');
    mkdirSync(join(junk, 'am'), { recursive: true });
    writeFileSync(join(junk, 'am', 'final.mdl'), 'not a model');
    expect(api.modelNew(junk)).toBeNull();
  });

  it('VoskRecogniser names the model path in one clear error', () => {
    expect(() => new VoskRecogniser({ keywords: ['snapshot'], modelDir: join(dir, 'absent') })).toThrow(new RecogniserError(`Vosk model directory not found: ${join(dir, 'absent')}; ${VOSK_MODEL_FIX}`));
    const junk = join(dir, 'junk2');
    mkdirSync(junk);
    writeFileSync(join(junk, 'README'), 'nothing here');
    expect(() => new VoskRecogniser({ keywords: ['snapshot'], modelDir: junk })).toThrow(/Vosk could not load the model in .*junk2 \(missing or corrupt files\)/);
  });

  it('a missing library is named', () => {
    expect(() => loadVosk(join(dir, 'libvosk.so'))).toThrow(/libvosk not found: .*libvosk\.so/);
  });
});

describe('Vosk result JSON', () => {
  it('parses the documented final and partial shapes', () => {
    expect(parseFinal('{"result":[{"conf":1.0,"end":1.02,"start":0.6,"word":"snapshot"}],"text":"snapshot"}')).toEqual({
      text: 'snapshot', words: [{ word: 'snapshot', start: 0.6, end: 1.02, conf: 1 }],
    });
    expect(parseFinal('{"text":""}')).toEqual({ text: '', words: [] });
    expect(parsePartial('{"partial":"what is"}')).toEqual({ text: 'what is', words: [] });
  });

  it('rejects malformed results clearly', () => {
    expect(() => parseFinal('{"result":[{"word":"x","start":2,"end":1}],"text":"x"}')).toThrow(/word 0 is malformed/);
    expect(() => parsePartial('[1,2]')).toThrow(VoskResultError);
    expect(() => parseFinal('{oops')).toThrow(/not JSON/);
  });
});

describe('VoskEventTracker (keywords from partials, transcripts from finals)', () => {
  const clock = (s: number) => 100 + s; // the audio clock started at 100 s
  const partial = (words: Array<[string, number, number]>) =>
    JSON.stringify({ partial: words.map((w) => w[0]).join(' '), partial_result: words.map(([word, start, end]) => ({ conf: 1, word, start, end })) });

  it('fires "snapshot" once it is stable in the partials, before the utterance ends, and only once', () => {
    const t = new VoskEventTracker(['snapshot', 'reply']);
    expect(t.partial(partial([['what', 0.1, 0.3], ['snap', 0.4, 0.6]]), clock, 100.7)).toEqual([]);
    expect(t.partial(partial([['what', 0.1, 0.3], ['snapshot', 0.4, 0.9]]), clock, 100.9)).toEqual([]);
    const fired = t.partial(partial([['what', 0.1, 0.3], ['snapshot', 0.4, 0.9], ['is', 1.0, 1.1]]), clock, 101.1);
    expect(fired).toEqual([{ type: 'keyword', word: 'snapshot', start: 100.4, end: 100.9, detectedAt: 101.1 }]);
    expect(t.partial(partial([['what', 0.1, 0.3], ['snapshot', 0.4, 0.9], ['is', 1.0, 1.2]]), clock, 101.2)).toEqual([]);
    const final = t.final('{"result":[{"conf":1,"word":"what","start":0.1,"end":0.3},{"conf":1,"word":"snapshot","start":0.4,"end":0.9},{"conf":1,"word":"is","start":1.0,"end":1.2}],"text":"what snapshot is"}', clock, 101.5);
    expect(final.filter((e) => e.type === 'keyword')).toEqual([]);
    const tr = final.find((e): e is TranscriptEvent => e.type === 'transcript')!;
    expect(tr.text).toBe('what snapshot is');
    expect(tr.words[1]).toEqual({ word: 'snapshot', start: 100.4, end: 100.9 });
  });

  it('three snapshots said are three events; a keyword only in the final result still fires', () => {
    const t = new VoskEventTracker(['snapshot', 'reply']);
    const words: Array<[string, number, number]> = [['snapshot', 0.1, 0.5], ['snapshot', 0.7, 1.1], ['snapshot', 1.3, 1.7]];
    const events: KeywordEvent[] = [];
    for (let n = 1; n <= 3; n++) {
      events.push(...t.partial(partial(words.slice(0, n)), clock, 102));
      events.push(...t.partial(partial(words.slice(0, n)), clock, 102));
    }
    expect(events.map((e) => e.start)).toEqual([100.1, 100.7, 101.3]);
    const final = t.final(JSON.stringify({ text: 'x', result: [...words, ['reply', 2.0, 2.4]].map(([word, start, end]) => ({ word, start, end, conf: 1 })) }), clock, 103);
    expect(final.filter((e) => e.type === 'keyword').map((e) => (e as KeywordEvent).word)).toEqual(['reply']);
  });
});
