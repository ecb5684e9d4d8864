/**
 * Offline recognition with PocketSphinx (Debian's 5prealpha): one pass over the
 * audio feeds two decoders. This file drives them; what they search for is
 * planned in pocketsphinx-keyphrases.ts, which detections count is decided in
 * pocketsphinx-detection-policy.ts, and the transcripts come from
 * pocketsphinx-lm-transcriber.ts.
 *
 *  - A keyword-spotting decoder (kws search over the command words, one
 *    threshold per word). Each keyphrase is a command word followed by two
 *    silence phones, and a detection must also be followed by a real pause
 *    (a drop in level lasting 120 ms, see pauseVerdict): a command is a word
 *    said on its own. That is what separates "reply." from "replies",
 *    "replied to", "apply for", and "snapshot." from "snap out of it", which
 *    the phone-loop score alone cannot. Decoys (a "snap" keyphrase) veto the
 *    command word where they fit better ("a loud snap."). The decoder only
 *    hears stretches of speech (an energy gate, with some audio before and
 *    after); each stretch is an utterance, and after each decision the
 *    utterance is restarted and the audio after the decided detection fed
 *    again, so the next occurrence is found afresh. It sees every frame
 *    (-remove_silence no): frames map to samples through kwsOffset.
 *  - A language-model decoder (en-us.lm.bin) whose utterances are cut by the
 *    library's voice activity detector (ps_get_in_speech, -remove_silence yes,
 *    so it only searches speech, hangover -vad_postspeech 0.4 s): one
 *    transcript per utterance, with word times; its frames are stream frames.
 *
 * Both decoders get a cepstral mean learnt from speech only (SpeechCmn):
 * PocketSphinx's own live mean drifts to the room's silence over a quiet spell
 * and then misses command words. The first stretch of speech, decoded before
 * that mean is learnt, is decoded again once it is over.
 *
 * SampleClock maps sample indexes to the chunks' clock, however many
 * utterances have gone by and whatever gaps the chunks' times show.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AudioChunk } from '../audio/audio-source';
import { SAMPLE_RATE } from '../audio/audio-source';
import { AudioAnalysis, FRAME_SAMPLES, analysisOf } from '../audio/audio-analysis';
import { PcmHistory } from './audio-history';
import type { WeakFit } from './command-words';
import { DetectionPolicy, mergeOverlapping, type Candidate, type DetectionPolicyOptions, type HeardAudio } from './pocketsphinx-detection-policy';
import { PsDecoder, pocketSphinxApi, type PsArgs } from './pocketsphinx-binding';
import { dictionaryWords, keyphraseFile, planKeyphrases, type KeyphraseOptions } from './pocketsphinx-keyphrases';
import { PocketSphinxTranscriber } from './pocketsphinx-lm-transcriber';
import { checkPocketSphinxModel } from './pocketsphinx-model-check';
import { RecogniserError, type KeywordEvent, type RecogniserOptions, type Recogniser, type RecognitionEvent } from './recogniser';
import { SampleClock } from './sample-clock';
import { SilenceConditioner } from './silence-conditioner';
import { SpeechCmn } from './speech-cmn';
import { normaliseKeywords } from './words';

export const DEFAULT_POCKETSPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
/** The kws searches: the quiet room's thresholds, and the noisy room's where they differ. */
const KWS_QUIET = 'keywords';
const KWS_NOISY = 'keywords_noisy';
/** Nor do decoys judge a clipped word: flattened peaks fit "apply" as well as "reply" (rms at gain x8 lost
 * its reply to the decoy). A word is clipped when this share of its samples is at full scale (AudioAnalysis). */
const DECOY_CLIPPED_SHARE = 0.005;

export interface PocketSphinxOptions extends RecogniserOptions, KeyphraseOptions, DetectionPolicyOptions {
  /** Directory holding en-us/ (acoustic model), cmudict-en-us.dict and en-us.lm.bin. */
  modelDir?: string;
  /** Run the language-model decoder for transcripts (default true). */
  transcribe?: boolean;
  /** Extra decoder arguments (e.g. { '-beam': 1e-40 }), for tuning. */
  kwsArgs?: PsArgs;
  lmArgs?: PsArgs;
}

/** Padding of this many silent frames ends each kws utterance. */
const END_PAD_FRAMES = 15;
/** Speech heard (frames) before the cepstral mean is trusted; utterances up to this long are decoded again when it is not. */
const COLD_CMN_FRAMES = 150;
const RERUN_MAX_SECONDS = 10;
/** Samples fed per ps_process_raw call, so detections and speech ends are seen with 0.1 s granularity. */
const BLOCK_SAMPLES = 1600;
/** Silence phones appended to each keyword's pronunciation (each lasts at least 3 frames). */
const PAUSE_PHONES = 'SIL SIL';
/** The kws decoder's gate: its utterance starts this many frames before the first speech frame (AudioAnalysis) and ends after this many without one. */
const GATE_PRE_ROLL_FRAMES = 30;
const GATE_HANGOVER_FRAMES = 80;

/** The dictionary's lines for `words`, alternate pronunciations ("reply(2)") included. */
function dictionaryLines(dict: string, words: string[]): string {
  const want = new Set(words.map((w) => w.toLowerCase()));
  const lines = fs.readFileSync(dict, 'utf8').split('\n');
  return lines.filter((l) => want.has(l.slice(0, l.indexOf(' ')).replace(/\(\d+\)$/, ''))).join('\n') + '\n';
}

function requirePath(p: string, what: string): void {
  if (!fs.existsSync(p)) throw new RecogniserError(`pocketsphinx ${what} not found: ${p}`);
}

export class PocketSphinxRecogniser implements Recogniser {
  readonly keywords: readonly string[];
  readonly thresholds: Readonly<Record<string, number>>;
  readonly noisyThresholds: Readonly<Record<string, number>>;
  readonly modelDir: string;
  readonly requirePause: boolean;
  /** Detections dropped by the pause check so far (diagnostics). */
  rejectedWithoutPause = 0;
  /** Detections vetoed by a decoy so far (diagnostics). */
  rejectedByDecoy = 0;
  /** Weak fits dropped for a spoken word too short or no pause before it (diagnostics). */
  rejectedWeak = 0;
  /** The weak fit of each keyword that has one (noisy room only). */
  readonly noisyWeakFits: Readonly<Record<string, WeakFit>>;

  private readonly clock = new SampleClock();
  private readonly conditioner = new SilenceConditioner();
  private readonly history = new PcmHistory((RERUN_MAX_SECONDS + 2) * SAMPLE_RATE);
  /** The analysis of the audio heard (handed on with the chunks, or this recogniser's own when they come without). */
  private heard?: AudioAnalysis;
  private readonly policy: DetectionPolicy;
  /** Keyphrase (dictionary word of the kws decoder) -> command word. */
  private readonly phrases = new Map<string, { keyword: string; decoy: boolean; minWordSamples?: number }>();
  private kws: PsDecoder | null = null;
  /** The kws search each kind of room uses (the same one when their thresholds agree), and the one in use. */
  private kwsSearches = { quiet: KWS_QUIET, noisy: KWS_QUIET };
  private kwsSearch = KWS_QUIET;
  private lm: PocketSphinxTranscriber | null = null;
  /** Samples fed to the kws decoder since its stream start (replays and padding included). */
  private kwsDecoderSamples = 0;
  /** Stream sample index = kws decoder sample index + kwsOffset, within the current kws utterance. */
  private kwsOffset = 0;
  private kwsUttStart = 0;
  /** Is a kws utterance open (speech heard lately)? */
  private kwsActive = false;
  /** Where the open kws utterance began, and whether it began before a speech cepstral mean was learnt. */
  private kwsActivation: { start: number; cold: boolean; search: string } | null = null;
  private lastSpeechFrame = -Infinity;
  /** Last reported occurrence of each keyword (sample range), never reported twice. */
  private readonly lastKeyword = new Map<string, { start: number; end: number; resume: number }>();
  /** The latest chunk came from a cleaner that took the room's noise out (AudioChunk.denoised). */
  private heardDenoised = false;
  private speechCmn!: SpeechCmn;
  private closed = false;

  constructor(options: PocketSphinxOptions) {
    this.keywords = normaliseKeywords(options.keywords, (m) => new RecogniserError(m));
    const modelDir = options.modelDir ?? DEFAULT_POCKETSPHINX_MODEL_DIR;
    this.modelDir = modelDir;
    const heard: HeardAudio = {
      levelAt: (f) => this.heard?.levelAt(f),
      noiseFloor: (f) => this.heard?.floorAt(f) ?? -Infinity,
      noisy: (f) => this.heard?.noisyAt(f) ?? false,
      denoised: () => this.heardDenoised,
      clipped: (from, to) => this.clipped(from, to),
    };
    this.policy = new DetectionPolicy(heard, options);
    this.requirePause = this.policy.requirePause;
    if (!fs.existsSync(modelDir) || !fs.statSync(modelDir).isDirectory()) {
      throw new RecogniserError(`pocketsphinx model directory not found: ${modelDir}`);
    }
    const hmm = path.join(modelDir, 'en-us');
    const dict = path.join(modelDir, 'cmudict-en-us.dict');
    requirePath(path.join(hmm, 'mdef'), 'acoustic model');
    requirePath(dict, 'dictionary');
    const transcribe = options.transcribe ?? true;
    if (transcribe) requirePath(path.join(modelDir, 'en-us.lm.bin'), 'language model');

    checkPocketSphinxModel(modelDir, transcribe);
    pocketSphinxApi(); // library errors first, with their own message
    const common: PsArgs = { '-hmm': hmm, '-dict': dict, '-logfn': '/dev/null', '-cmn': 'live' };
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'snapask-kws-'));
    try {
      // The kws decoder only needs the command words and decoys: a dictionary of just their lines saves the
      // memory of the full one (measured: about 25 MB of service_rss_mb).
      const kwsDict = path.join(tmp, 'keywords.dict');
      fs.writeFileSync(kwsDict, dictionaryLines(dict, dictionaryWords(this.keywords, options)));
      // -vad_prespeech 0: with -remove_silence no the library still runs its pre-speech buffer at each utterance
      // start and, with the default 20 frames, counts every utterance after the first 10 frames (0.1 s) early
      // (measured). With 0, frames stay stream frames across restarts.
      const kws = PsDecoder.create(
        { ...common, '-dict': kwsDict, '-remove_silence': false, '-vad_prespeech': 0, '-kws_delay': 0, ...options.kwsArgs },
        modelDir,
      );
      this.kws = kws;
      // Every pronunciation of a word: the kws search itself only uses a word's first one.
      const pronunciations = (w: string): string[] => {
        const prons: string[] = [];
        for (let i = 1; i <= 9; i++) {
          const p = kws.lookupWord(i === 1 ? w : `${w}(${i})`);
          if (p === null) break;
          prons.push(p.trim());
        }
        return prons;
      };
      const plan = planKeyphrases(this.keywords, options, pronunciations, (name) => kws.lookupWord(name) !== null, dict);
      for (const p of plan.phrases) {
        kws.addWord(p.name, this.requirePause ? `${p.pron} ${PAUSE_PHONES}` : p.pron, false);
        this.phrases.set(p.name, { keyword: p.keyword, decoy: p.decoy, ...(p.minWordSamples !== undefined ? { minWordSamples: p.minWordSamples } : {}) });
      }
      const quiet = keyphraseFile(plan.phrases, 'quiet');
      const noisy = keyphraseFile(plan.phrases, 'noisy');
      const keyfile = path.join(tmp, 'keywords.kws');
      fs.writeFileSync(keyfile, quiet);
      kws.setKws(KWS_QUIET, keyfile); // read at once
      if (noisy !== quiet) {
        const noisyKeyfile = path.join(tmp, 'keywords-noisy.kws');
        fs.writeFileSync(noisyKeyfile, noisy);
        kws.setKws(KWS_NOISY, noisyKeyfile);
        this.kwsSearches = { quiet: KWS_QUIET, noisy: KWS_NOISY };
      }
      kws.setSearch(KWS_QUIET);
      kws.startStream(); // utterances start with speech (see feedKws)
      this.speechCmn = new SpeechCmn(kws.cmnState().mean); // the model's -cmninit as the prior
      if (transcribe) this.lm = new PocketSphinxTranscriber(modelDir, common, this.clock, options.lmArgs);
      this.thresholds = plan.thresholds;
      this.noisyThresholds = plan.noisyThresholds;
      this.noisyWeakFits = plan.weakFits;
    } catch (e) {
      this.close();
      throw e;
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }

  accept(chunk: AudioChunk): RecognitionEvent[] {
    if (this.closed) throw new Error('PocketSphinxRecogniser used after close()');
    if (chunk.pcm.length % 2 !== 0) throw new RangeError('chunk PCM must hold whole 16-bit samples');
    const events: RecognitionEvent[] = [];
    const n = chunk.pcm.length >> 1;
    if (n === 0) return events;
    const first = this.clock.push(chunk.t, n);
    const detectedAt = this.clock.timeAt(first + n);
    this.heardDenoised = chunk.denoised === true;
    this.heard = analysisOf(chunk, () => this.heard ?? new AudioAnalysis()).of;
    const pcm = this.conditioner.apply(chunk.pcm);
    this.history.push(pcm);
    for (let off = 0; off < n; off += BLOCK_SAMPLES) {
      const block = pcm.subarray(off * 2, Math.min(n, off + BLOCK_SAMPLES) * 2);
      const fedAfter = first + off + (block.length >> 1);
      this.feedKws(block, first + off, fedAfter, detectedAt, events);
      this.lm?.feed(block, fedAfter, this.speechCmn.mean(), events);
    }
    this.clock.forgetBefore(Math.min(this.kwsUttStart, this.lm ? this.lm.uttStart : Infinity, this.history.start));
    return events;
  }

  flush(): RecognitionEvent[] {
    if (this.closed) throw new Error('PocketSphinxRecogniser used after close()');
    const events: RecognitionEvent[] = [];
    const end = this.clock.samples;
    const detectedAt = this.clock.timeAt(end);
    this.endKwsUtterance(end, detectedAt, events);
    this.lastSpeechFrame = -Infinity;
    this.lm?.endUtterance(end, events);
    return events;
  }

  close(): void {
    this.closed = true;
    this.kws?.free();
    this.lm?.free();
    this.kws = null;
    this.lm = null;
  }

  /**
   * The kws decoder only hears speech (plus a little before and after): its live cepstral mean
   * normalisation would otherwise drift towards the room's silence over a long quiet spell, after which it
   * misses command words (measured: scores fall by 40 and more after 20 s of quiet). Each stretch of speech
   * is its own utterance; frames map back to stream samples through kwsOffset.
   */
  private feedKws(block: Buffer, blockStart: number, fedAfter: number, detectedAt: number, events: RecognitionEvent[]): void {
    const kws = this.kws!;
    const f0 = Math.floor(blockStart / FRAME_SAMPLES);
    const f1 = Math.floor(fedAfter / FRAME_SAMPLES);
    let onset = -1;
    for (let f = f0; f < f1; f++) {
      if (this.heard!.speechAt(f)) {
        if (onset < 0) onset = f;
        this.lastSpeechFrame = f;
      }
    }
    if (!this.kwsActive) {
      if (onset < 0) return;
      // Speech: start an utterance a little before it (the onset's first phone and some context).
      // (It may overlap the previous utterance's end: an occurrence already reported is not reported again.)
      const from = Math.max(this.history.start, onset * FRAME_SAMPLES - GATE_PRE_ROLL_FRAMES * FRAME_SAMPLES);
      this.startKwsUtt(this.searchFor(onset));
      this.kwsActive = true;
      this.kwsOffset = from - this.kwsDecoderSamples;
      this.kwsUttStart = from;
      this.kwsActivation = { start: from, cold: this.speechCmn.frames < COLD_CMN_FRAMES, search: this.kwsSearch };
      this.feedKwsDecoder(this.history.slice(from, fedAfter), from);
    } else {
      this.feedKwsDecoder(block, blockStart);
    }
    this.harvestKeywords(fedAfter, detectedAt, events);
    if (f1 - this.lastSpeechFrame > GATE_HANGOVER_FRAMES) this.endKwsUtterance(fedAfter, detectedAt, events);
  }

  /**
   * Feeds the kws decoder, in pieces, keeping its cepstral mean on speech: `from` is the stream sample of
   * the first one (null for padding that is not part of the stream).
   */
  private feedKwsDecoder(pcm: Buffer, from: number | null, learn = true): void {
    const kws = this.kws!;
    const n = pcm.length >> 1;
    for (let off = 0; off < n; off += BLOCK_SAMPLES) {
      const piece = pcm.subarray(off * 2, Math.min(n, off + BLOCK_SAMPLES) * 2);
      const before = kws.cmnState();
      kws.processRaw(piece);
      this.kwsDecoderSamples += piece.length >> 1;
      const after = kws.cmnState();
      const frames = after.nframe - before.nframe;
      // Learn from speech only (a piece mostly of speech frames); a decrease means the library itself
      // renormalised in between: skip that piece.
      if (learn && from !== null && frames > 0 && this.speechFraction(from + off, from + off + (piece.length >> 1)) >= 0.5) {
        this.speechCmn.add(before.sum, after.sum, frames);
      }
      kws.setCmnMean(this.speechCmn.mean());
    }
  }

  private speechFraction(from: number, to: number): number {
    const f0 = Math.floor(from / FRAME_SAMPLES);
    const f1 = Math.max(f0 + 1, Math.floor(to / FRAME_SAMPLES));
    let speech = 0;
    for (let f = f0; f < f1; f++) if (this.heard!.speechAt(f)) speech++;
    return speech / (f1 - f0);
  }

  /**
   * Judges the kws search's detections (the search reports them at once, -kws_delay 0): a detection is
   * reported as soon as the policy accepts it, dropped once it rejects it, and otherwise left to grow (the
   * decoder keeps extending a detection's silence phones, and may still find a better-scoring version of it).
   * When nothing is left pending after a decision, the utterance is restarted so the detection list starts
   * empty, and the audio after the decided detections is fed again, since the next command word may already
   * have begun. With `final` (end of an utterance) everything is decided.
   */
  private harvestKeywords(now: number, detectedAt: number, events: RecognitionEvent[], final = false): void {
    const kws = this.kws!;
    for (let round = 0; round < 8; round++) {
      let resumeAt: number | null = null;
      let pending = false;
      const { keywords, decoys } = this.candidates();
      for (const c of keywords) {
        const last = this.lastKeyword.get(c.keyword);
        if (last && c.start < last.end) {
          resumeAt = Math.max(resumeAt ?? 0, last.resume); // a reported occurrence, still growing
          continue;
        }
        const v = this.policy.judge(c, decoys, now, final);
        if (v.kind === 'wait') {
          pending = true;
        } else if (v.kind === 'decoy') {
          this.rejectedByDecoy++;
          resumeAt = Math.max(resumeAt ?? 0, c.end);
        } else if (v.kind === 'no-pause') {
          if (v.weak) this.rejectedWeak++;
          this.rejectedWithoutPause++;
          resumeAt = Math.max(resumeAt ?? 0, c.end);
        } else {
          this.lastKeyword.set(c.keyword, { start: c.start, end: Math.max(c.end, v.resume), resume: v.resume });
          resumeAt = Math.max(resumeAt ?? 0, v.resume);
          const ev: KeywordEvent = {
            type: 'keyword',
            word: c.keyword,
            start: this.clock.timeAt(c.start),
            end: this.clock.timeAt(v.wordEnd),
            detectedAt,
          };
          events.push(ev);
        }
      }
      if (final || pending || resumeAt === null) return;
      kws.endUtt();
      this.startKwsUtt(this.searchFor(Math.floor(now / FRAME_SAMPLES)));
      const from = Math.min(now, Math.max(resumeAt, this.history.start, this.kwsUttStart));
      this.kwsOffset = from - this.kwsDecoderSamples;
      this.kwsUttStart = from;
      if (from >= now) return;
      this.feedKwsDecoder(this.history.slice(from, now), from);
    }
  }

  /** Ends the kws utterance (after a quiet spell, or at flush), deciding every detection left. */
  private endKwsUtterance(end: number, detectedAt: number, events: RecognitionEvent[]): void {
    if (!this.kwsActive) return;
    const kws = this.kws!;
    // Some silence after the last word (as after a command word said at the very end of the input).
    this.feedKwsDecoder(this.conditioner.apply(Buffer.alloc(END_PAD_FRAMES * FRAME_SAMPLES * 2)), null);
    this.harvestKeywords(end, detectedAt, events, true);
    kws.endUtt();
    // The first speech is decoded with a cepstral mean learnt only as it goes (cold start): once it is over,
    // decode it again with the mean learnt from it, for the command words the first pass missed.
    const act = this.kwsActivation;
    if (act?.cold && act.start >= this.history.start && end - act.start <= RERUN_MAX_SECONDS * SAMPLE_RATE) {
      this.kwsActivation = null;
      this.startKwsUtt(act.search); // the room as it was when the stretch began
      this.kwsOffset = act.start - this.kwsDecoderSamples;
      this.kwsUttStart = act.start;
      this.feedKwsDecoder(this.history.slice(act.start, end), act.start, false);
      this.feedKwsDecoder(this.conditioner.apply(Buffer.alloc(END_PAD_FRAMES * FRAME_SAMPLES * 2)), null, false);
      this.harvestKeywords(end, detectedAt, events, true);
      kws.endUtt();
    }
    this.kwsActivation = null;
    this.kwsActive = false;
    this.kwsUttStart = end;
    this.kwsOffset = end - this.kwsDecoderSamples;
  }

  /** The kws search's detections as stream sample ranges, overlapping ones of the same word merged. */
  private candidates(): { keywords: Candidate[]; decoys: Candidate[] } {
    const keywords: Candidate[] = [];
    const decoys: Candidate[] = [];
    for (const seg of this.kws!.segments()) {
      const ph = this.phrases.get(seg.word.trim());
      if (!ph) continue;
      const start = Math.max(this.kwsUttStart, seg.startFrame * FRAME_SAMPLES + this.kwsOffset);
      const end = (seg.endFrame + 1) * FRAME_SAMPLES + this.kwsOffset;
      const c: Candidate = { keyword: ph.keyword, start, end, prob: seg.prob };
      if (ph.minWordSamples !== undefined) c.minWordSamples = ph.minWordSamples;
      (ph.decoy ? decoys : keywords).push(c);
    }
    return { keywords: mergeOverlapping(keywords), decoys };
  }

  /** The kws search for the room as it is at frame `f`. */
  private searchFor(f: number): string {
    return this.policy.roomNoisy(f) ? this.kwsSearches.noisy : this.kwsSearches.quiet;
  }

  /** Starts a kws utterance on `want` (searches change only between utterances). */
  private startKwsUtt(want: string): void {
    if (want !== this.kwsSearch) {
      this.kws!.setSearch(want);
      this.kwsSearch = want;
    }
    this.kws!.startUtt();
  }

  /** Are samples [from, to) clipped (DECOY_CLIPPED_SHARE of them at full scale, in the frames that hold them)? */
  private clipped(from: number, to: number): boolean {
    const f0 = Math.floor(from / FRAME_SAMPLES);
    const f1 = Math.ceil(to / FRAME_SAMPLES);
    let full = 0;
    for (let f = f0; f < f1; f++) full += this.heard?.clippedAt(f) ?? 0;
    return to > from && full >= (f1 - f0) * FRAME_SAMPLES * DECOY_CLIPPED_SHARE;
  }


}
