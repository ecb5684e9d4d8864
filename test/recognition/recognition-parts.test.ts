import { PcmHistory } from '../../src/recognition/audio-history';
import { kwsScoreToThreshold, loadLibrary, PsDecoder } from '../../src/recognition/pocketsphinx-binding';
import { SpeechCmn } from '../../src/recognition/speech-cmn';
import { RecogniserError } from '../../src/recognition/recogniser';
import { SampleClock } from '../../src/recognition/sample-clock';
import { isFiller, normaliseKeywords, normaliseWord } from '../../src/recognition/words';

describe('SampleClock', () => {
  it('maps samples to the chunks clock, following gaps and forgetting what is no longer needed', () => {
    const c = new SampleClock();
    expect(c.push(100, 1600)).toBe(0);
    expect(c.push(100.1, 1600)).toBe(1600);
    expect(c.push(250, 1600)).toBe(3200); // the clock jumped
    expect(c.timeAt(800)).toBeCloseTo(100.05, 9);
    expect(c.timeAt(3199)).toBeCloseTo(100 + 3199 / 16000, 9);
    expect(c.timeAt(4000)).toBeCloseTo(250.05, 9);
    expect(c.timeAt(c.samples)).toBeCloseTo(250.1, 9);
    c.forgetBefore(3300);
    expect(c.timeAt(4000)).toBeCloseTo(250.05, 9);
    expect(() => c.push(Number.NaN, 10)).toThrow(RangeError);
  });
});

describe('audio history', () => {
  it('keeps the last samples', () => {
    const h = new PcmHistory(1000);
    const pcm = Buffer.alloc(3000);
    for (let i = 0; i < 1500; i++) pcm.writeInt16LE(i, i * 2);
    h.push(pcm);
    expect(h.start).toBe(500);
    const s = h.slice(400, 503);
    expect(s.length).toBe(6);
    expect([s.readInt16LE(0), s.readInt16LE(4)]).toEqual([500, 502]);
  });
});

describe('SpeechCmn', () => {
  it('starts from the prior and moves to the mean of what it learns, with a bounded memory', () => {
    const prior = Float32Array.from([40, -5]);
    const cmn = new SpeechCmn(prior, 50, 200);
    expect(Array.from(cmn.mean())).toEqual([40, -5]);
    cmn.add(Float32Array.from([0, 0]), Float32Array.from([50 * 60, 50 * -1]), 50);
    expect(Array.from(cmn.mean())).toEqual([50, -3]);
    for (let i = 0; i < 20; i++) cmn.add(Float32Array.from([0, 0]), Float32Array.from([50 * 20, 0]), 50);
    expect(cmn.frames).toBe(200);
    expect(cmn.mean()[0]!).toBeLessThan(26);
  });
});

describe('words', () => {
  it('knows fillers, strips pronunciation numbers, validates command words', () => {
    expect(['<s>', '</s>', '<sil>', '[NOISE]', '++UH++', ''].every(isFiller)).toBe(true);
    expect(isFiller('reply')).toBe(false);
    expect(normaliseWord('Reply(2)')).toBe('reply');
    expect(normaliseKeywords([' Snapshot', 'reply', 'snapshot'], (m) => new RecogniserError(m))).toEqual(['snapshot', 'reply']);
    expect(() => normaliseKeywords(['snap shot'], (m) => new RecogniserError(m))).toThrow(/invalid keyword/);
    expect(() => normaliseKeywords([], (m) => new RecogniserError(m))).toThrow(/at least one/);
  });
});

describe('PocketSphinx binding', () => {
  it('names a missing library and the Debian package to install', () => {
    expect(() => loadLibrary('libpocketsphinx-snapask-missing.so.3', 'libpocketsphinx3')).toThrow(RecogniserError);
    expect(() => loadLibrary('libpocketsphinx-snapask-missing.so.3', 'libpocketsphinx3')).toThrow(
      /^cannot load libpocketsphinx-snapask-missing\.so\.3 \(.*\); install the Debian package libpocketsphinx3$/,
    );
  });

  it('refuses unknown options and bad model paths with RecogniserError', () => {
    expect(() => PsDecoder.create({ '-hmm': '/usr/share/pocketsphinx/model/en-us/en-us', '-snapask-bogus': 1 }, 'test')).toThrow(/no option -snapask-bogus/);
    expect(() => PsDecoder.create({ '-hmm': '/nonexistent/hmm', '-dict': '/nonexistent/dict', '-logfn': '/dev/null' }, '/nonexistent')).toThrow(
      /could not load the model \/nonexistent/,
    );
  });

  it('looks words up and adds new ones', () => {
    const d = PsDecoder.create(
      { '-hmm': '/usr/share/pocketsphinx/model/en-us/en-us', '-dict': '/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict', '-logfn': '/dev/null' },
      'en-us',
    );
    try {
      expect(d.lookupWord('snapshot')).toBe('S N AE P SH AA T');
      expect(d.lookupWord('reply(2)')).toBe('R IY P L AY');
      expect(d.lookupWord('snapaskzork')).toBeNull();
      d.addWord('snapaskzork', 'Z AO R K');
      expect(d.lookupWord('snapaskzork')).toBe('Z AO R K');
      expect(d.cmnState().mean).toHaveLength(13);
    } finally {
      d.free();
    }
  });

  it('converts a kws score to the threshold it passes (measured: -980 passes 1e23, not 1e24)', () => {
    expect(kwsScoreToThreshold(-980)).toBeGreaterThan(1e23);
    expect(kwsScoreToThreshold(-980)).toBeLessThan(1e24);
  });
});
