/**
 * Offline recognition with PocketSphinx (Debian's 5prealpha): one pass over the
 * audio feeds two decoders.
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
import { FRAME_SAMPLES, FrameLevels, PcmHistory } from './audio-history';
import { PsDecoder, pocketSphinxApi, type PsArgs } from './pocketsphinx-binding';
import {
  RecogniserError,
  type KeywordEvent,
  type RecogniserOptions,
  type Recogniser,
  type RecognitionEvent,
  type TimedWord,
  type TranscriptEvent,
} from './recogniser';
import {
  POCKETSPHINX_DECOYS,
  POCKETSPHINX_NOISY_THRESHOLDS,
  POCKETSPHINX_NOISY_WEAK_FITS,
  POCKETSPHINX_PRONUNCIATIONS,
  POCKETSPHINX_THRESHOLDS,
  type WeakFit,
} from './command-words';
import { checkPocketSphinxModel } from './pocketsphinx-model-check';
import { SampleClock } from './sample-clock';
import { isFiller, normaliseKeywords, normaliseWord } from './words';

export const DEFAULT_POCKETSPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

/** Tuned thresholds and decoys: kept with the other command-word rules (command-words.ts). */
export const DEFAULT_KEYWORD_THRESHOLDS = POCKETSPHINX_THRESHOLDS;
export const DEFAULT_NOISY_KEYWORD_THRESHOLDS = POCKETSPHINX_NOISY_THRESHOLDS;
export const DEFAULT_DECOYS = POCKETSPHINX_DECOYS;
export const DEFAULT_PRONUNCIATIONS = POCKETSPHINX_PRONUNCIATIONS;
export const DEFAULT_NOISY_WEAK_FITS = POCKETSPHINX_NOISY_WEAK_FITS;
const DECOY_THRESHOLD = 1e-40;
/** The kws searches: the quiet room's thresholds, and the noisy room's where they differ. */
const KWS_QUIET = 'keywords';
const KWS_NOISY = 'keywords_noisy';
/**
 * How much better (in the decoder's log units) a decoy must fit than the command word to veto it: none in a
 * quiet room, this much once the noise floor the decoder hears is above DECOY_NOISY_FLOOR_DB (dB re 1 LSB^2,
 * about -60 dBFS; after speexdsp, pink noise at 20 dB SNR reads 39, at 10 dB 49, clean speech 13), or the
 * cleaner says it took the room's noise out (after RNNoise the floor is digital silence: judged by the floor,
 * 53 of 60 "reply" were heard on the tuning set at 10 dB SNR, told by the cleaner 60). In
 * noise the decoys fit about as badly as the word: with no margin "apply" vetoed 13 of 44 "reply" on the
 * tuning set at 10 dB SNR, with 250 none. In a quiet room any margin lets some sentence-final "apply."
 * through (awb's at 150).
 */
const DECOY_MARGIN_IN_NOISE = 250;
const DECOY_NOISY_FLOOR_DB = 30;
/**
 * Nor do decoys judge a clipped word: flattened peaks fit "apply" as well as "reply" (rms at gain x8 lost
 * its reply to the decoy). A word is clipped when this share of its samples is at full scale.
 */
const DECOY_CLIPPED_SHARE = 0.005;
const FULL_SCALE = 32000;

/** For a keyword without a tuned threshold (untuned guess: short words are spotted more easily by chance). */
export function fallbackThreshold(phones: number): number {
  return phones >= 5 ? 1e-25 : 1e-15;
}

export interface PocketSphinxOptions extends RecogniserOptions {
  /** Directory holding en-us/ (acoustic model), cmudict-en-us.dict and en-us.lm.bin. */
  modelDir?: string;
  /** Per-keyword detection thresholds, overriding DEFAULT_KEYWORD_THRESHOLDS (and, for those words, the noisy room's too). */
  thresholds?: Record<string, number>;
  /** Per-keyword thresholds in a noisy room, overriding DEFAULT_NOISY_KEYWORD_THRESHOLDS (tuning). */
  noisyThresholds?: Record<string, number>;
  /**
   * Per-keyword weak fits in a noisy room, overriding DEFAULT_NOISY_WEAK_FITS (null: none; tuning): a looser
   * threshold whose detections count only when the spoken word lasts long enough and has a pause before it.
   */
  noisyWeakFits?: Record<string, WeakFit | null>;
  /** Quiet frames a weak fit's pause before it lasts (tuning; default PAUSE_MIN_FRAMES, 0: no pause needed). */
  weakFitPauseFrames?: number;
  /**
   * Require a pause after a command word (default true). Without it any word
   * that begins like a command word ("replies", "replied") triggers it.
   */
  requirePause?: boolean;
  /** Run the language-model decoder for transcripts (default true). */
  transcribe?: boolean;
  /** Per-keyword decoy words (overriding DEFAULT_DECOYS): dictionary words that veto the keyword when they fit better. */
  decoys?: Record<string, string[]>;
  /** How far below the word's loudest frame a pause lies in audio the cleaner denoised (tuning; default PAUSE_DROP_DB_DENOISED). */
  pauseDropDbDenoised?: number;
  /** Frames before a detection's end a pause must begin by in denoised audio, negative for after (tuning; default PAUSE_IN_DETECTION_FRAMES_DENOISED). */
  pauseInDetectionFramesDenoised?: number;
  /** Frames after a detection's end it is dropped at when no pause is found (tuning; default DECIDE_AFTER_FRAMES). */
  decideAfterFrames?: number;
  /** How much better (decoder log units) a decoy must fit to veto in a noisy room (tuning; default DECOY_MARGIN_IN_NOISE). */
  decoyMargin?: number;
  /** Pronunciations spotted besides the dictionary's (the acoustic model's phones), per keyword, in a quiet room only; overrides DEFAULT_PRONUNCIATIONS. */
  pronunciations?: Record<string, string[]>;
  /** Extra decoder arguments (e.g. { '-beam': 1e-40 }), for tuning. */
  kwsArgs?: PsArgs;
  lmArgs?: PsArgs;
}

/**
 * Detections are judged here as they appear (-kws_delay 0): one without a pause inside it is dropped once
 * this many frames have passed its end; padding of this many silent frames ends each kws utterance.
 * Dropping restarts the search after the detection, so it must wait for the whole word: with a permissive
 * threshold the search reports a poor fit ending inside a slow word ("snap-" of flite slt's "snapshot" at
 * 0.85x) before the whole word's better fit replaces it, and dropped after 30 frames the rest of the word
 * was decoded alone and lost. Tuning set at 10 dB SNR, three draws: with the noisy room's 1e-30, 30 frames
 * heard 262 of 270 "snapshot", 70 heard 263; with 1e-45, 264 and 267 (50 frames: 267), replies 178 and 179.
 * Clean unchanged (264 and 265 of 270); no false send or snapshot added in the tuning set's ordinary speech.
 */
const DECIDE_AFTER_FRAMES = 70;
const END_PAD_FRAMES = 15;
/** Speech heard (frames) before the cepstral mean is trusted; utterances up to this long are decoded again when it is not. */
const COLD_CMN_FRAMES = 150;
const RERUN_MAX_SECONDS = 10;
/** Samples fed per ps_process_raw call, so detections and speech ends are seen with 0.1 s granularity. */
const BLOCK_SAMPLES = 1600;
/** An utterance of the LM decoder is cut after this long even if speech continues (bounded memory/latency). */
const MAX_UTTERANCE_SECONDS = 30;
/** Silence phones appended to each keyword's pronunciation (each lasts at least 3 frames). */
const PAUSE_PHONES = 'SIL SIL';
/** A pause lasts at least this many frames (longer than a stop consonant's closure)... */
const PAUSE_MIN_FRAMES = 12;
/** ...and begins at least this many frames before the detection's end (its silence phones lie in it)... */
const PAUSE_IN_DETECTION_FRAMES = 3;
/**
 * ...but in audio the cleaner denoised, up to this many frames after it: the keyword's silence phones may
 * lie on RNNoise's residue after the word, or on a final /t/'s release, the detection then ending before
 * the real pause (flite slt's last "reply" on the bench; flite rms's slow "snapshot", whose release and
 * residue stay 30 dB under the word for 6 to 8 frames after the detection). Tuning set at 10 dB SNR,
 * three draws: -3 heard 178 of 180 "reply" (177 with 0, 176 with 3); -10 heard 265 of 270 "snapshot"
 * against 263 (-6: 263), replies unchanged; no false send or snapshot added in 45 minutes of its ordinary
 * speech at 20 or 10 dB.
 */
const PAUSE_IN_DETECTION_FRAMES_DENOISED = -10;
/** A weak fit's pause before it ends within this many frames of the detection's start. */
const PAUSE_BEFORE_SLACK_FRAMES = 10;
/** ...and this many frames or more after the detection's start (pauses inside the word are shorter anyway). */
const MIN_WORD_FRAMES = 15;
/** Frames at the end of a detection that belong to its silence phones, left out of its speech level. */
const PAUSE_TAIL_FRAMES = 6;
/** A pause is this far below the keyword's loudest frame... */
const PAUSE_DROP_DB = 35;
/**
 * ...or this far in audio the cleaner denoised: RNNoise lets go of the noise gradually after a word, and its
 * residue sits 30 to 40 dB under the word's peak for a tenth of a second or more. Tuning set at 10 dB SNR,
 * three draws (noise moved, other phrases): 30 heard 262 of 270 "snapshot" and 176 of 180 "reply", 35 heard
 * 260 and 174 (32: 261, 176); no false send or snapshot in its ordinary speech at 20 or 10 dB with either,
 * one more false "stop" at each ("stopped"; "stop" acts only while the appliance speaks).
 */
const PAUSE_DROP_DB_DENOISED = 30;
/** ...or at most this far above the noise floor (whichever is higher: noisy rooms). */
const PAUSE_NOISE_MARGIN_DB = 10;
/** ...but always at least this far below the keyword's loudest frame. */
const PAUSE_MIN_DROP_DB = 15;
/** How far back the noise floor is estimated (frames), from which quantile, once this many frames are known. */
const NOISE_WINDOW_FRAMES = 1000;
const NOISE_QUANTILE = 0.05;
const NOISE_MIN_FRAMES = 100;
/** The kws decoder's gate: a speech frame is this far above the noise floor and above an absolute level (dB re 1 LSB^2, about -60 dBFS)... */
const GATE_ABOVE_NOISE_DB = 12;
const GATE_MIN_DB = 30;
/** ...its utterance starts this many frames before the first speech frame and ends after this many without one. */
const GATE_PRE_ROLL_FRAMES = 30;
const GATE_HANGOVER_FRAMES = 80;

/** LM decoder options that cut CPU time with little loss in accuracy (measured, see the report). */
const LM_SPEED_ARGS: PsArgs = {
  '-topn': 2,
  '-pl_window': 5,
  '-maxhmmpf': 3000,
  '-maxwpf': 5,
  '-fwdflat': false,
  '-bestpath': false,
};

/** The dictionary's lines for `words`, alternate pronunciations ("reply(2)") included. */
function dictionaryLines(dict: string, words: string[]): string {
  const want = new Set(words.map((w) => w.toLowerCase()));
  const lines = fs.readFileSync(dict, 'utf8').split('\n');
  return lines.filter((l) => want.has(l.slice(0, l.indexOf(' ')).replace(/\(\d+\)$/, ''))).join('\n') + '\n';
}

function requirePath(p: string, what: string): void {
  if (!fs.existsSync(p)) throw new RecogniserError(`pocketsphinx ${what} not found: ${p}`);
}

/**
 * Replaces (near-)digital silence: every sample within +-2 gets a faint
 * deterministic noise of up to +-8 (about -75 dBFS). Real microphones never
 * deliver runs of exact zeros, but synthetic or edited audio does, inside
 * words too (a stop's closure); PocketSphinx's features, noise tracking and
 * voice activity detection go wrong on them. On microphone audio this only
 * touches a few samples at zero crossings, far below the noise floor.
 */
export class SilenceConditioner {
  private seed = 0x2545f491;

  private rand(): number {
    let s = this.seed;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.seed = s >>> 0;
    return this.seed;
  }

  apply(pcm: Buffer): Buffer {
    const n = pcm.length >> 1;
    const out = Buffer.from(pcm);
    for (let i = 0; i < n; i++) {
      const v = out.readInt16LE(i * 2);
      if (v <= 2 && v >= -2) out.writeInt16LE(v + ((this.rand() % 17) - 8), i * 2);
    }
    return out;
  }
}

/**
 * The cepstral mean of speech alone, learnt from the kws decoder's running CMN sums over pieces of audio that
 * are mostly speech. PocketSphinx's live CMN averages every frame it is fed, silence included; over a long
 * quiet spell, or on a first utterance that is mostly pause, its mean drifts towards the silence and command
 * words are then missed (measured: kws scores 20 to 40 lower). Both decoders get this mean instead.
 */
export class SpeechCmn {
  private readonly sum: Float64Array;
  private n = 0;

  constructor(
    private readonly prior: Float32Array,
    private readonly priorFrames = 50,
    private readonly window = 3000,
  ) {
    this.sum = new Float64Array(prior.length);
  }

  /** Adds the frames between two readings of the decoder's running sum. */
  add(sumBefore: Float32Array, sumAfter: Float32Array, frames: number): void {
    for (let i = 0; i < this.sum.length; i++) this.sum[i]! += sumAfter[i]! - sumBefore[i]!;
    this.n += frames;
    if (this.n > this.window) {
      const k = this.window / this.n;
      for (let i = 0; i < this.sum.length; i++) this.sum[i]! *= k;
      this.n = this.window;
    }
  }

  /** Frames of speech learnt from (after decay). */
  get frames(): number {
    return this.n;
  }

  mean(): Float32Array {
    const m = new Float32Array(this.sum.length);
    for (let i = 0; i < m.length; i++) m[i] = (this.prior[i]! * this.priorFrames + this.sum[i]!) / (this.priorFrames + this.n);
    return m;
  }
}

/** A kws detection mapped to stream samples. */
interface Candidate {
  keyword: string;
  start: number;
  end: number;
  prob: number;
  /** Found only by a weak-fit phrase: counts only with a pause before it, and the spoken word this many samples or longer. */
  minWordSamples?: number;
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
  private readonly levels = new FrameLevels(20 * 100);
  /** Keyphrase (dictionary word of the kws decoder) -> command word. */
  private readonly decoyMargin: number;
  private readonly pauseDropDbDenoised: number;
  private readonly pauseInDetectionDenoised: number;
  private readonly decideAfterFrames: number;
  private readonly weakFitPauseFrames: number;
  private readonly phrases = new Map<string, { keyword: string; decoy: boolean; minWordSamples?: number }>();
  private kws: PsDecoder | null = null;
  /** The kws search each kind of room uses (the same one when their thresholds agree), and the one in use. */
  private kwsSearches = { quiet: KWS_QUIET, noisy: KWS_QUIET };
  private kwsSearch = KWS_QUIET;
  private lm: PsDecoder | null = null;
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
  private lmUttStart = 0;
  private lmSpeechSeen = false;
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
    this.requirePause = options.requirePause ?? true;
    this.decoyMargin = options.decoyMargin ?? DECOY_MARGIN_IN_NOISE;
    this.pauseDropDbDenoised = options.pauseDropDbDenoised ?? PAUSE_DROP_DB_DENOISED;
    this.pauseInDetectionDenoised = options.pauseInDetectionFramesDenoised ?? PAUSE_IN_DETECTION_FRAMES_DENOISED;
    this.decideAfterFrames = options.decideAfterFrames ?? DECIDE_AFTER_FRAMES;
    this.weakFitPauseFrames = options.weakFitPauseFrames ?? PAUSE_MIN_FRAMES;
    if (!fs.existsSync(modelDir) || !fs.statSync(modelDir).isDirectory()) {
      throw new RecogniserError(`pocketsphinx model directory not found: ${modelDir}`);
    }
    const hmm = path.join(modelDir, 'en-us');
    const dict = path.join(modelDir, 'cmudict-en-us.dict');
    const lmFile = path.join(modelDir, 'en-us.lm.bin');
    requirePath(path.join(hmm, 'mdef'), 'acoustic model');
    requirePath(dict, 'dictionary');
    const transcribe = options.transcribe ?? true;
    if (transcribe) requirePath(lmFile, 'language model');

    checkPocketSphinxModel(modelDir, transcribe);
    pocketSphinxApi(); // library errors first, with their own message
    const common: PsArgs = { '-hmm': hmm, '-dict': dict, '-logfn': '/dev/null', '-cmn': 'live' };
    const thresholds: Record<string, number> = {};
    const noisyThresholds: Record<string, number> = {};
    const weakFits: Record<string, WeakFit> = {};
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'snapask-kws-'));
    try {
      // The kws decoder only needs the command words and decoys: a dictionary of just their lines saves the
      // memory of the full one (measured: about 25 MB of service_rss_mb).
      const kwsDict = path.join(tmp, 'keywords.dict');
      const decoyWords = this.keywords.flatMap((k) => options.decoys?.[k] ?? DEFAULT_DECOYS[k] ?? []);
      fs.writeFileSync(kwsDict, dictionaryLines(dict, [...this.keywords, ...decoyWords]));
      // -vad_prespeech 0: with -remove_silence no the library still runs its pre-speech buffer at each utterance
      // start and, with the default 20 frames, counts every utterance after the first 10 frames (0.1 s) early
      // (measured). With 0, frames stay stream frames across restarts.
      const kws = PsDecoder.create(
        { ...common, '-dict': kwsDict, '-remove_silence': false, '-vad_prespeech': 0, '-kws_delay': 0, ...options.kwsArgs },
        modelDir,
      );
      this.kws = kws;
      const lines: string[] = [];
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
      const noisyLines: string[] = [];
      /** A keyphrase for the quiet room's search unless `th` is null, and the noisy room's unless `noisyTh` is. */
      const addPhrase = (name: string, pron: string, th: number | null, noisyTh: number | null = th): string => {
        const phrase = `snapask_${name.replace(/[^a-z0-9_]/g, '')}`;
        if (kws.lookupWord(phrase) !== null) throw new RecogniserError(`dictionary already has a word ${phrase}`);
        kws.addWord(phrase, this.requirePause && PAUSE_PHONES ? `${pron} ${PAUSE_PHONES}` : pron, false);
        // No space before the threshold: the library keeps everything before the slash as the keyphrase.
        if (th !== null) lines.push(`${phrase}/${th.toExponential(3)}/`);
        if (noisyTh !== null) noisyLines.push(`${phrase}/${noisyTh.toExponential(3)}/`);
        return phrase;
      };
      for (const k of this.keywords) {
        const prons = pronunciations(k);
        if (prons.length === 0) throw new RecogniserError(`keyword "${k}" is not in the pocketsphinx dictionary ${dict}`);
        const th = options.thresholds?.[k] ?? DEFAULT_KEYWORD_THRESHOLDS[k] ?? fallbackThreshold(prons[0]!.split(/\s+/).length);
        if (!(th > 0 && Number.isFinite(th))) throw new RecogniserError(`threshold for "${k}" must be a positive number, got ${th}`);
        const noisyTh = options.thresholds?.[k] ?? options.noisyThresholds?.[k] ?? DEFAULT_NOISY_KEYWORD_THRESHOLDS[k] ?? th;
        if (!(noisyTh > 0 && Number.isFinite(noisyTh))) throw new RecogniserError(`noisy-room threshold for "${k}" must be a positive number, got ${noisyTh}`);
        thresholds[k] = th;
        noisyThresholds[k] = noisyTh;
        prons.forEach((pron, i) => this.phrases.set(addPhrase(`kw_${k}_${i}`, pron, th, noisyTh), { keyword: k, decoy: false }));
        // A weak fit: the same word at a looser threshold in a noisy room, its own phrase so that a detection
        // tells which threshold it passed (a detection's score is not the one the search compared). A threshold
        // given for the word replaces the default weak fit too.
        const weak =
          options.noisyWeakFits?.[k] !== undefined
            ? options.noisyWeakFits[k]
            : options.thresholds?.[k] !== undefined || options.noisyThresholds?.[k] !== undefined
              ? null
              : DEFAULT_NOISY_WEAK_FITS[k];
        if (weak !== undefined && weak !== null) {
          if (!(weak.threshold > 0 && weak.threshold < noisyTh)) throw new RecogniserError(`weak-fit threshold for "${k}" must be below ${noisyTh}, got ${weak.threshold}`);
          weakFits[k] = weak;
          const minWordSamples = Math.round(weak.minWordSeconds * SAMPLE_RATE);
          prons.forEach((pron, i) => this.phrases.set(addPhrase(`weak_${k}_${i}`, pron, null, weak.threshold), { keyword: k, decoy: false, minWordSamples }));
        }
        // Other speakers' pronunciations, in a quiet room only (see POCKETSPHINX_PRONUNCIATIONS).
        (options.pronunciations?.[k] ?? DEFAULT_PRONUNCIATIONS[k] ?? []).forEach((pron, i) =>
          this.phrases.set(addPhrase(`kw_${k}_${prons.length + i}`, pron, th, null), { keyword: k, decoy: false }),
        );
        // Decoys: words a command word is easily heard in. Spotted alongside (with a permissive threshold, so
        // they are found whenever they fit), one that fits better than the command word vetoes it.
        for (const d of options.decoys?.[k] ?? DEFAULT_DECOYS[k] ?? []) {
          const dprons = pronunciations(d);
          if (dprons.length === 0) throw new RecogniserError(`decoy "${d}" for "${k}" is not in the pocketsphinx dictionary ${dict}`);
          dprons.forEach((pron, i) => this.phrases.set(addPhrase(`decoy_${k}_${d}_${i}`, pron, DECOY_THRESHOLD), { keyword: k, decoy: true }));
        }
      }
      const keyfile = path.join(tmp, 'keywords.kws');
      fs.writeFileSync(keyfile, lines.join('\n') + '\n');
      kws.setKws(KWS_QUIET, keyfile); // read at once
      if (noisyLines.join() !== lines.join()) {
        const noisyKeyfile = path.join(tmp, 'keywords-noisy.kws');
        fs.writeFileSync(noisyKeyfile, noisyLines.join('\n') + '\n');
        kws.setKws(KWS_NOISY, noisyKeyfile);
        this.kwsSearches = { quiet: KWS_QUIET, noisy: KWS_NOISY };
      }
      kws.setSearch(KWS_QUIET);
      kws.startStream(); // utterances start with speech (see feedKws)
      this.speechCmn = new SpeechCmn(kws.cmnState().mean); // the model's -cmninit as the prior

      if (transcribe) {
        this.lm = PsDecoder.create(
          { ...common, '-lm': lmFile, '-remove_silence': true, '-vad_postspeech': 40, ...LM_SPEED_ARGS, ...options.lmArgs },
          modelDir,
        );
        this.lm.startStream();
        this.lm.startUtt();
      }
    } catch (e) {
      this.close();
      throw e;
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    this.thresholds = thresholds;
    this.noisyThresholds = noisyThresholds;
    this.noisyWeakFits = weakFits;
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
    const pcm = this.conditioner.apply(chunk.pcm);
    this.history.push(pcm);
    this.levels.push(pcm);
    for (let off = 0; off < n; off += BLOCK_SAMPLES) {
      const block = pcm.subarray(off * 2, Math.min(n, off + BLOCK_SAMPLES) * 2);
      const fedAfter = first + off + (block.length >> 1);
      this.feedKws(block, first + off, fedAfter, detectedAt, events);
      this.feedLm(block, fedAfter, events);
    }
    this.clock.forgetBefore(Math.min(this.kwsUttStart, this.lm ? this.lmUttStart : Infinity, this.history.start));
    return events;
  }

  flush(): RecognitionEvent[] {
    if (this.closed) throw new Error('PocketSphinxRecogniser used after close()');
    const events: RecognitionEvent[] = [];
    const end = this.clock.samples;
    const detectedAt = this.clock.timeAt(end);
    this.endKwsUtterance(end, detectedAt, events);
    this.lastSpeechFrame = -Infinity;
    if (this.lm) {
      this.lm.endUtt();
      this.collectTranscript(events);
      this.lm.startUtt();
      this.lmUttStart = end;
      this.lmSpeechSeen = false;
    }
    return events;
  }

  close(): void {
    this.closed = true;
    this.kws?.free();
    this.lm?.free();
    this.kws = null;
    this.lm = null;
  }

  /** Is frame `f` speech, by level against the noise floor (the kws decoder's gate)? */
  private isSpeechFrame(f: number, noise: number): boolean {
    const v = this.levels.at(f);
    return v !== undefined && v > Math.max(noise + GATE_ABOVE_NOISE_DB, GATE_MIN_DB);
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
    const noise = this.noiseFloor(f0);
    let onset = -1;
    for (let f = f0; f < f1; f++) {
      if (this.isSpeechFrame(f, noise)) {
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
    const noise = this.noiseFloor(f0);
    let speech = 0;
    for (let f = f0; f < f1; f++) if (this.isSpeechFrame(f, noise)) speech++;
    return speech / (f1 - f0);
  }

  /**
   * Judges the kws search's detections (the search reports them at once, -kws_delay 0): a detection is
   * reported as soon as the pause after it is established, dropped once it is clear that none follows, and
   * otherwise left to grow (the decoder keeps extending a detection's silence phones, and may still find a
   * better-scoring version of it). When nothing is left pending after a decision, the utterance is restarted
   * so the detection list starts empty, and the audio after the decided detections is fed again, since the
   * next command word may already have begun. With `final` (end of an utterance) everything is decided.
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
        let v = this.requirePause ? this.pauseVerdict(c, now, final) : { wordEnd: c.end, resume: c.end };
        if (v !== 'wait' && v !== 'reject' && c.minWordSamples !== undefined && (v.wordEnd - c.start < c.minWordSamples || !this.pauseBefore(c, v.wordEnd))) {
          // Give a weak fit up only once the whole word is heard: a full-threshold fit of it may still come.
          v = final || now / FRAME_SAMPLES - c.end / FRAME_SAMPLES > this.decideAfterFrames ? 'reject' : 'wait';
          if (v === 'reject') this.rejectedWeak++;
        }
        if (v === 'wait') {
          pending = true;
        } else if (v !== 'reject' && this.vetoed(c, v.wordEnd, decoys)) {
          this.rejectedByDecoy++;
          resumeAt = Math.max(resumeAt ?? 0, c.end);
        } else if (v === 'reject') {
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

  /** The kws search's detections as stream sample ranges, overlapping ones of the same phrase kind merged. */
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
    // Several pronunciations (and a word's weak-fit phrase) may report the same occurrence: keep the best of
    // overlapping detections, weak only where no full-threshold phrase found it.
    keywords.sort((a, b) => a.start - b.start);
    const merged: Candidate[] = [];
    for (const c of keywords) {
      const prev = merged.find((m) => m.keyword === c.keyword && c.start < m.end && m.start < c.end);
      if (!prev) {
        merged.push({ ...c });
        continue;
      }
      const strong = prev.minWordSamples === undefined || c.minWordSamples === undefined;
      if (c.prob > prev.prob) Object.assign(prev, c);
      if (strong) delete prev.minWordSamples;
    }
    return { keywords: merged, decoys };
  }

  /**
   * A decoy vetoes the command word when it fits better and, like the command word, reaches into the pause
   * after the spoken word (its silence phones lie there). On a real "snapshot." the "snap" decoy may score
   * as well, but its silence phones then lie on "shot": it ends before the pause.
   */
  private vetoed(c: Candidate, wordEnd: number, decoys: Candidate[]): boolean {
    const rivals = decoys.filter((d) => d.keyword === c.keyword && d.start < wordEnd && d.end >= wordEnd + PAUSE_IN_DETECTION_FRAMES * FRAME_SAMPLES);
    if (rivals.length === 0 || this.clipped(c.start, wordEnd)) return false;
    const margin = this.roomNoisy(Math.round(c.start / FRAME_SAMPLES)) ? this.decoyMargin : 0;
    return rivals.some((d) => d.prob >= c.prob + margin);
  }

  /** Is the room noisy at frame `f`: the cleaner took noise out, or the engine hears a high floor? */
  private roomNoisy(f: number): boolean {
    return this.heardDenoised || this.noiseFloor(f) > DECOY_NOISY_FLOOR_DB;
  }

  /** The kws search for the room as it is at frame `f`. */
  private searchFor(f: number): string {
    return this.roomNoisy(f) ? this.kwsSearches.noisy : this.kwsSearches.quiet;
  }

  /** Starts a kws utterance on `want` (searches change only between utterances). */
  private startKwsUtt(want: string): void {
    if (want !== this.kwsSearch) {
      this.kws!.setSearch(want);
      this.kwsSearch = want;
    }
    this.kws!.startUtt();
  }

  /** The noise floor before frame `f`: the quietest frames of the last seconds (unknown until a second has been heard). */
  private noiseFloor(f: number): number {
    return f >= NOISE_MIN_FRAMES ? (this.levels.quantile(f - NOISE_WINDOW_FRAMES, f, NOISE_QUANTILE) ?? -Infinity) : -Infinity;
  }

  /** Are samples [from, to) clipped (DECOY_CLIPPED_SHARE of them at full scale)? */
  private clipped(from: number, to: number): boolean {
    const pcm = this.history.slice(from, to);
    const n = pcm.length >> 1;
    let full = 0;
    for (let i = 0; i < n; i++) if (Math.abs(pcm.readInt16LE(i * 2)) >= FULL_SCALE) full++;
    return n > 0 && full >= n * DECOY_CLIPPED_SHARE;
  }

  /**
   * Is the spoken keyword followed by a pause? The detection ends with silence phones, which the decoder may
   * also have laid over a stop's closure ("replied to") or a weak fricative ("replies"): require a stretch
   * of PAUSE_MIN_FRAMES frames well below the keyword's loudest frame (and near the noise floor) that begins
   * after the word and before the detection's end, with no sound after it in the word's part of the detection
   * (a pause followed by more of the word is inside it). Returns where the word ends (the start of that pause) and
   * where a next word could begin, 'reject', or 'wait' while the frames to decide are not all heard yet.
   */
  private pauseVerdict(c: Candidate, now: number, final: boolean): { wordEnd: number; resume: number } | 'reject' | 'wait' {
    const sf = Math.round(c.start / FRAME_SAMPLES);
    const ef = Math.round(c.end / FRAME_SAMPLES) - 1;
    const known = Math.floor(now / FRAME_SAMPLES); // frames [0, known) have been heard
    const limit = this.pauseLevel(sf, ef);
    if (limit === null) return 'reject'; // no longer known
    const lastStart = ef - (this.heardDenoised ? this.pauseInDetectionDenoised : PAUSE_IN_DETECTION_FRAMES); // the latest frame a pause may begin at
    const wordPart = ef - PAUSE_TAIL_FRAMES; // the detection's frames before its silence phones
    let run = 0;
    let pause: { wordEnd: number; resume: number } | undefined;
    for (let f = sf + MIN_WORD_FRAMES; f <= lastStart + PAUSE_MIN_FRAMES - 1; f++) {
      if (pause && f > wordPart) return pause;
      // Frames not heard yet count as silence only at the end (flush, or the padding after a quiet spell).
      if (f >= known && !final) return 'wait';
      const quiet = (this.levels.at(f) ?? -Infinity) <= limit;
      // Sound again within the word after a pause: that pause lay inside the word (a slow voice's closure sunk
      // under the noise: flite kal's "re-p-ly" at 10 dB SNR), and the word ends later.
      if (!quiet) pause = undefined;
      run = quiet ? run + 1 : 0;
      if (run === PAUSE_MIN_FRAMES && !pause) {
        const start = f - PAUSE_MIN_FRAMES + 1;
        if (start <= lastStart) pause = { wordEnd: start * FRAME_SAMPLES, resume: (f + 1) * FRAME_SAMPLES };
      }
    }
    if (pause) return pause;
    // No pause inside the detection (yet): it may still grow into one, or a better version may come.
    return final || known - ef > this.decideAfterFrames ? 'reject' : 'wait';
  }

  /**
   * The level (dB) a pause around the detection of frames [sf, ef] lies under: well below the keyword's loudest
   * frame, and near the noise floor; null when the word's frames are no longer known.
   */
  private pauseLevel(sf: number, ef: number): number | null {
    let peak = -Infinity;
    for (let f = sf; f <= Math.max(sf, ef - PAUSE_TAIL_FRAMES); f++) peak = Math.max(peak, this.levels.at(f) ?? -Infinity);
    if (peak === -Infinity) return null;
    const noise = this.noiseFloor(sf);
    const drop = this.heardDenoised ? this.pauseDropDbDenoised : PAUSE_DROP_DB;
    return Math.max(peak - drop, Math.min(noise + PAUSE_NOISE_MARGIN_DB, peak - PAUSE_MIN_DROP_DB));
  }

  /**
   * Is the spoken word said on its own, a pause before it? A stretch of quiet frames as long as the pause after
   * it (PAUSE_MIN_FRAMES) that ends within PAUSE_BEFORE_SLACK_FRAMES of the detection's start (the search places
   * a word's start only to within a few frames).
   */
  private pauseBefore(c: Candidate, wordEnd: number): boolean {
    const need = this.weakFitPauseFrames;
    if (need <= 0) return true;
    const sf = Math.round(c.start / FRAME_SAMPLES);
    const limit = this.pauseLevel(sf, Math.round(wordEnd / FRAME_SAMPLES) + PAUSE_TAIL_FRAMES - 1);
    if (limit === null) return false;
    let run = 0;
    for (let f = sf - PAUSE_BEFORE_SLACK_FRAMES - need + 1; f <= sf + PAUSE_BEFORE_SLACK_FRAMES; f++) {
      run = (this.levels.at(f) ?? -Infinity) <= limit ? run + 1 : 0;
      if (run >= need && f >= sf - PAUSE_BEFORE_SLACK_FRAMES) return true;
    }
    return false;
  }

  private feedLm(block: Buffer, fedAfter: number, events: RecognitionEvent[]): void {
    const lm = this.lm;
    if (!lm) return;
    lm.setCmnMean(this.speechCmn.mean());
    lm.processRaw(block);
    const inSpeech = lm.inSpeech();
    if (inSpeech) this.lmSpeechSeen = true;
    const tooLong = fedAfter - this.lmUttStart > MAX_UTTERANCE_SECONDS * SAMPLE_RATE;
    if ((this.lmSpeechSeen && !inSpeech) || tooLong) {
      lm.endUtt();
      this.collectTranscript(events);
      lm.startUtt();
      this.lmUttStart = fedAfter;
      this.lmSpeechSeen = false;
    }
  }

  private collectTranscript(events: RecognitionEvent[]): void {
    const words: TimedWord[] = [];
    // The LM decoder is fed exactly the stream (no replays), so its frames are stream frames.
    for (const seg of this.lm!.segments()) {
      if (isFiller(seg.word)) continue;
      words.push({
        word: normaliseWord(seg.word),
        start: this.clock.timeAt(seg.startFrame * FRAME_SAMPLES),
        end: this.clock.timeAt((seg.endFrame + 1) * FRAME_SAMPLES),
      });
    }
    if (words.length === 0) return;
    const ev: TranscriptEvent = {
      type: 'transcript',
      text: words.map((w) => w.word).join(' '),
      words,
      start: words[0]!.start,
      end: words[words.length - 1]!.end,
    };
    events.push(ev);
  }
}
