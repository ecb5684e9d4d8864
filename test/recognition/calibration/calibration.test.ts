/**
 * Calibration on a voice the detector never trained on: deterministic, and it keeps recall on that voice's
 * other clips (questions it never heard) without raising false alarms on its ordinary speech; the engine loads
 * the saved calibration from the state directory.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { PlaybackReference } from '../../../src/audio/playback-reference';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calibrateRecordings } from '../../../src/recognition/calibration/calibrate-recordings';
import { calibratedHeads, calibrationPath, readCalibration, saveCalibration } from '../../../src/recognition/calibration/calibration-file';
import { loadBank } from '../../../src/recognition/calibration/negative-bank';
import { createRecogniser } from '../../../src/recognition/create-recogniser';
import { KeywordHeads } from '../../../src/recognition/detector/keyword-head';
import { EmbeddingModels } from '../../../src/recognition/detector/speech-embedding';
import { matchEvents, questionStream } from '../../bench/keywords-corpus';
import { heldoutRooms, LEAD, ordinaryCases, type VoiceCopy } from '../../bench/keywords-heldout';
import { syntheticSession, withMicrophoneFloor } from '../../support/calibration-session';
import { keywordsIn, RULES } from '../../support/recognise';
import { toChunks } from '../../support/speech';

// flite awb: a held-out speaker (never in training, thresholds or constants), whose "reply" the shipped heads miss.
const AWB: VoiceCopy = { engine: 'flite', voice: 'awb', rate: 1 };
const quiet = heldoutRooms()[0]!;

// As the service builds it: the echo canceller in front (here with nothing played), as calibration hears the takes.
const heard = (stateDir: string | undefined, pcm: Buffer) =>
  keywordsIn(
    createRecogniser({ engine: 'learned' }, RULES, { transcribe: false, echo: new PlaybackReference(0.05), ...(stateDir ? { stateDir } : {}) }),
    Buffer.concat([Buffer.alloc(LEAD * 32000), pcm]),
    -LEAD,
  );
const withFloor = (pcm: Buffer, seed: number): Buffer => {
  const x = withMicrophoneFloor(pcm, seed);
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
};

describe('calibration to one voice', () => {
  let models: EmbeddingModels;
  let heads: KeywordHeads;
  let stateDir: string;
  let first: ReturnType<typeof calibrateRecordings>['result'];
  beforeAll(async () => {
    models = new EmbeddingModels();
    heads = KeywordHeads.load()!;
    stateDir = mkdtempSync(join(tmpdir(), 'snapask-calibration-'));
    const recordings = await syntheticSession(AWB, quiet, 1);
    first = calibrateRecordings(recordings, { engine: 'learned' }, { heads, models }).result;
    saveCalibration(stateDir, heads, first);
    // The fit is deterministic: the same recordings, heard again by fresh models, give the same calibration.
    const again = calibrateRecordings(recordings, { engine: 'learned' }, { heads, models: new EmbeddingModels() }).result;
    expect(again).toEqual(first);
  }, 600_000);
  afterAll(() => models.close());

  it('ships a bank made for the shipped heads', () => {
    expect(loadBank(heads).length).toBeGreaterThan(3000);
  });

  it('fits thresholds in range, and no more false alarms on the shipped set or the room than the shipped heads', () => {
    for (const w of first.words) {
      expect(w.threshold).toBeGreaterThanOrEqual(0.5);
      expect(w.threshold).toBeLessThanOrEqual(0.999);
      expect(w.bankFalseClips[1]).toBeLessThanOrEqual(w.bankFalseClips[0]);
    }
    expect(first.roomFalseAlarms[1]).toBeLessThanOrEqual(first.roomFalseAlarms[0]);
  });

  it('keeps recall on the voice\'s other clips without more false alarms on its ordinary speech', async () => {
    const said = { before: 0, after: 0, total: 0 };
    for (const index of [900, 901, 902]) {
      const q = await questionStream({ engine: AWB.engine, voice: AWB.voice, group: 'target' }, AWB.rate, index);
      const pcm = withFloor(q.pcm, index);
      said.total += q.truth.length;
      for (const side of ['before', 'after'] as const) said[side] += matchEvents(q.truth, heard(side === 'after' ? stateDir : undefined, pcm)).pairs.filter((p) => p.heard).length;
    }
    const alarms = { before: 0, after: 0 };
    for (const [i, c] of (await ordinaryCases([AWB], 3)).entries()) {
      const pcm = withFloor(c.pcm, 300 + i);
      for (const side of ['before', 'after'] as const) alarms[side] += heard(side === 'after' ? stateDir : undefined, pcm).length;
    }
    // Statistics over about 30 command words in 12 questions and 3 minutes of speech, not one utterance.
    expect(said.total).toBeGreaterThanOrEqual(20);
    // The heads hear 26 to 27 of these 30 uncalibrated, and calibration moves that by one or two either way (a 10 ms
    // shift of the audio does as much): what calibration buys is the bench's figure (make bench ONLY=calibration).
    // Here: it must not cost the owner's voice what the heads already hear (a calibration that broke the read-out
    // or its thresholds loses most of them).
    expect(said.before).toBeLessThan(said.total);
    expect(said.after).toBeGreaterThanOrEqual(said.before - 1);
    expect(alarms.after).toBeLessThanOrEqual(alarms.before);
  }, 600_000);

  it('is taken by the running service\'s engine once saved, with no restart: from then on it hears as one loaded at start', async () => {
    const live = mkdtempSync(join(tmpdir(), 'snapask-calibration-'));
    const notes: string[] = [];
    const learned = (stateDir?: string, follow = false) =>
      createRecogniser({ engine: 'learned' }, RULES, { transcribe: false, ...(stateDir ? { stateDir } : {}), followCalibration: follow, info: (m) => notes.push(m), warn: (m) => notes.push(m) });
    // The voice's questions, each after 4 s of the microphone's floor, heard once before the calibration is saved and once after.
    const pass = withFloor(
      Buffer.concat(await Promise.all([900, 901, 902].map(async (index) => Buffer.concat([Buffer.alloc(4 * 32000), (await questionStream({ engine: AWB.engine, voice: AWB.voice, group: 'target' }, AWB.rate, index)).pcm])))),
      7,
    );
    const seconds = pass.length / 32000;
    const heardIn = (rec: ReturnType<typeof learned>, t0: number): string[] =>
      toChunks(pass, t0).flatMap((c) => rec.accept(c).flatMap((e) => (e.type === 'keyword' ? [`${e.word} ${e.start.toFixed(2)}`] : [])));
    const follower = learned(live, true);
    const shipped = learned();
    const calibrated = learned(stateDir);
    try {
      const before = heardIn(follower, 0);
      expect(before).toEqual(heardIn(shipped, 0));
      const calibratedBefore = heardIn(calibrated, 0);
      saveCalibration(live, heads, first);
      const deadline = Date.now() + 10_000;
      while (!notes.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(notes).toEqual([`keyword calibration applied (${calibrationPath(live)})`]);
      const after = heardIn(follower, seconds);
      expect(after).toEqual(heardIn(calibrated, seconds));
      // The calibration changes what is heard, so hearing as the calibrated engine does is not hearing as before.
      expect(calibratedBefore).not.toEqual(before);
    } finally {
      for (const r of [follower, shipped, calibrated]) r.close();
    }
  }, 120_000);

  it('is loaded by the engine from the state directory, and one made for other heads is ignored with a line', () => {
    const loaded = calibratedHeads(stateDir)!;
    for (const w of first.words) expect(loaded.threshold(w.word)).toBe(first.thresholds[w.word]);
    expect(loaded.f.w2).toEqual(first.readout.w2);

    const other = mkdtempSync(join(tmpdir(), 'snapask-calibration-'));
    saveCalibration(other, heads, first);
    const file = readCalibration(other)!;
    writeFileSync(calibrationPath(other), JSON.stringify({ ...file, hiddenDigest: '0123456789abcdef' }));
    const warnings: string[] = [];
    const shipped = calibratedHeads(other, (m) => warnings.push(m))!;
    expect(shipped.threshold('reply')).toBe(heads.threshold('reply'));
    expect(warnings).toEqual(['keyword calibration ignored, it was made for other keyword heads (an earlier version): run snapask calibrate again']);
  });
});
