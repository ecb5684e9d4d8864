/**
 * The command words and every rule about them, in one place: which word plays
 * which part, how sure the engine must be (thresholds), and when a heard word
 * counts (timing). The recognisers, the utterance-end gate, the barge-in gate
 * and the turn logic all read them from here.
 */
import { RecogniserError } from './recogniser';
import { normaliseKeywords } from './words';

/** What a command word does. */
export type CommandRole = 'snapshot' | 'reply' | 'cancel' | 'stop';
export const COMMAND_ROLES: readonly CommandRole[] = ['snapshot', 'reply', 'cancel', 'stop'];
/** The part a heard keyword plays: a command, or the spoken yes to a waiting action. */
export type KeywordRole = CommandRole | 'confirm';

/** The always-heard words, and "confirm", heard only when actions wait for a spoken yes. */
export type CommandWordSet = Record<CommandRole, string> & { confirm?: string };

export interface CommandRules {
  words: CommandWordSet;
  /**
   * "reply" (and "cancel") counts only when it ends the utterance: no speech for this long
   * after it ("please reply to Anna" in mid-question does not send, "should I cancel it?" does not cancel).
   */
  replyGapSeconds: number;
  /**
   * ...and only when said on its own: no speech for this long before it (0 turns the check off). Sentence-final
   * near misses ("she never replied.", "the replies.", "to reapply.") run straight on from the word before;
   * in a noisy room the engine cannot hear their last sound, and this is what tells them apart.
   */
  replyPauseBeforeSeconds: number;
  /**
   * The pause before "reply" in a noisy room (the gate judges the noise): there a sentence's weak sounds sink
   * under the noise floor and leave gaps as long as a short pause.
   */
  replyPauseBeforeNoisySeconds: number;
  /** Engine thresholds per word (PocketSphinx -kws_threshold); unset words use the engine's tuned default. */
  thresholds: Record<string, number>;
}

/**
 * The quiet after "reply" before it counts. 0.8 s made the answer wait; the held-out bench's reply delay target
 * (p50 <= 600 ms from the word's end, detection included) needs less, and a pause inside a question that follows
 * "reply" mid-sentence is rarely over 0.4 s. False sends at 0.45 s: docs/measurements.md (held-out bench).
 */
export const DEFAULT_REPLY_GAP_SECONDS = 0.45;
/**
 * Measured on the tuning sets (test/bench/keywords-tuning.ts) at 10 dB SNR: false sends 23 per hour without the
 * check, none with 0.1 s or 0.2 s, and the same 40 of 60 "reply" found; in a quiet room 60 of 60 either way.
 */
export const DEFAULT_REPLY_PAUSE_BEFORE_SECONDS = 0.1;
/**
 * Tuning false-alarm set (30 min, seed 9191) at 15 and 10 dB SNR: one false send each with 0.1 s, one at 15 dB
 * with 0.2 s, none with 0.25 s or 0.3 s; "reply" found 40 of 60 at 10 dB and 45 of 60 at 15 dB either way. A
 * "reply" after a 0.3 s pause in 10 dB noise still counts (test/recognition/utterance-end-gate.test.ts).
 */
export const DEFAULT_REPLY_PAUSE_BEFORE_NOISY_SECONDS = 0.25;

/** Builds the rules from the configuration, refusing ambiguous word sets with one clear line. */
export function commandRules(
  words: CommandWordSet,
  o: { replyGapSeconds?: number; replyPauseBeforeSeconds?: number; replyPauseBeforeNoisySeconds?: number; thresholds?: Record<string, number> } = {},
): CommandRules {
  const norm = {} as CommandWordSet;
  const roles: KeywordRole[] = [...COMMAND_ROLES, ...(words.confirm ? (['confirm'] as const) : [])];
  for (const role of roles) {
    const [w] = normaliseKeywords([words[role]!], (m) => new RecogniserError(`commands.${role}: ${m}`));
    const clash = roles.find((r) => r !== role && norm[r] === w);
    if (clash) throw new RecogniserError(`commands.${role} and commands.${clash} are the same word "${w}"`);
    norm[role] = w!;
  }
  const thresholds: Record<string, number> = {};
  for (const [w, t] of Object.entries(o.thresholds ?? {})) {
    const word = w.trim().toLowerCase();
    if (!Object.values(norm).includes(word)) throw new RecogniserError(`recogniser.thresholds: "${w}" is not one of the command words`);
    thresholds[word] = t;
  }
  return {
    words: norm,
    replyGapSeconds: o.replyGapSeconds ?? DEFAULT_REPLY_GAP_SECONDS,
    replyPauseBeforeSeconds: o.replyPauseBeforeSeconds ?? DEFAULT_REPLY_PAUSE_BEFORE_SECONDS,
    replyPauseBeforeNoisySeconds: o.replyPauseBeforeNoisySeconds ?? DEFAULT_REPLY_PAUSE_BEFORE_NOISY_SECONDS,
    thresholds,
  };
}

/** The words the engine spots. */
export function spottedWords(r: CommandRules): string[] {
  return [...COMMAND_ROLES.map((role) => r.words[role]), ...(r.words.confirm ? [r.words.confirm] : [])];
}

/** The part a heard word plays, if it is a command word. */
export function roleOf(r: CommandRules, word: string): KeywordRole | undefined {
  const w = word.toLowerCase();
  if (r.words.confirm === w) return 'confirm';
  return COMMAND_ROLES.find((role) => r.words[role] === w);
}

/**
 * PocketSphinx detection thresholds (-kws_threshold of each word's keyphrase:
 * the minimum likelihood ratio of the keyword path, pause included, against
 * the phone loop); `recogniser.thresholds` overrides them. snapshot and reply
 * were tuned on flite (kal, kal16, slt, awb, rms), festival (kal_diphone) and
 * espeak-ng (en-us) voices at three speaking rates (see the measurements at the
 * top of test/recognition/pocketsphinx-recogniser.test.ts); stop on the tuning
 * set of test/bench/keywords-tuning.ts (flite and festival voices, 3 rates:
 * 36/45 found, no false stop in near misses such as "shop", "post",
 * "stops"; 1e-15 found 37/45 with 1 false stop, 1e-25 38/45 with 7). A word
 * without a tuned threshold gets the engine's fallback by length.
 *
 * cancel on the tuning set's questions ended with "cancel" (TUNING_END=cancel, three draws): 1e-35 heard 176
 * of 180 clean and 176 of 180 at 10 dB SNR, where the fallback by length (1e-25) heard 166 and 168; the misses
 * are flite kal's slow ones. 1e-45 heard 177 and 179 but fitted "cancel" to the end of "...getting enough
 * light" in 10 dB noise behind speexdsp (test/recognition/utterance-end-gate.test.ts), and a false cancel throws
 * the question and its pictures away where a missed one is said again. It must be said on its own and end
 * the utterance (the utterance-end gate, as "reply"), which keeps near misses out: no false cancel in 45 minutes of the tuning set's ordinary
 * speech (clean, 20 and 10 dB) nor in 180 sentence-final near misses ("...the town council.", "...we can
 * sell.") in a quiet room even with 1e-60. At 20 dB "...the candle." (rms) and "...the tinsel." (slt) are
 * heard as "cancel" with 1e-25 and 1e-45 alike; "candle", "council" and the like as decoys vetoed 12 of 180
 * real ones in a quiet room, so there are none.
 */
export const POCKETSPHINX_THRESHOLDS: Readonly<Record<string, number>> = {
  snapshot: 1e-25,
  reply: 1e-30,
  stop: 1e-10,
  cancel: 1e-35,
};

/**
 * The thresholds in a noisy room (where the quiet room's are not loosened, they hold there too). After
 * RNNoise "snapshot" scores lower, and nothing in the room's noise comes near it. Tuning set at 10 dB SNR,
 * three draws (noise moved, other phrases), detections kept until the whole word is heard
 * (DECIDE_AFTER_FRAMES): 1e-30 heard 263 of 270 (1e-25: 253 before that change; 1e-35: 264; 1e-40: 266;
 * 1e-45: 267), but over 45 minutes of its ordinary speech at 10 dB it heard 1 false snapshot where 1e-35
 * heard 2, 1e-40 3 and 1e-45 4: a false picture goes with the next question, so the less permissive one.
 * In a quiet room 1e-30 heard a sentence-final "snacks." as "snapshot" (rms), so it keeps 1e-25.
 * Fits between 1e-30 and 1e-45 count too when the word is long and said on its own (POCKETSPHINX_NOISY_WEAK_FITS).
 */
export const POCKETSPHINX_NOISY_THRESHOLDS: Readonly<Record<string, number>> = {
  snapshot: 1e-30,
};

/** A looser threshold whose detections count only when the spoken word lasts at least minWordSeconds and has a pause before it. */
export interface WeakFit {
  threshold: number;
  minWordSeconds: number;
}

/**
 * Weak fits in a noisy room. In noise a slow voice's real "snapshot" scores under the noisy room's 1e-30 (flite
 * kal: 21 of the tuning set's 270 at 10 dB SNR scored between 1e-30 and 1e-45, each lasting 0.64 s or more),
 * while looser thresholds' false fits in ordinary speech are squeezed onto short words ("good shot", "gift
 * shop", "past eight": 0.42 to 0.53 s) or run on from the word before ("...the house next door", 0.85 s, flite
 * rms at 10 dB: the length alone let it through, 2 false snapshots on the bench's false-alarm set). A command is
 * said on its own: a weak fit counts only when it lasts 0.6 s or more and has a pause before it as after it.
 * Tuning set at 10 dB, three draws: 269 of 270 "snapshot" (265 without), replies 179 of 180; over 45 minutes of
 * its ordinary speech the same 1 false snapshot at 10 dB as without (the pause alone, without the length: 2; at
 * 20 dB none even so). Bench: 90 of 90 at 10 dB (87 without), and no false snapshot in its 31 minutes of ordinary
 * speech (the "house next door" above is from there, so that set does not judge the pause rule unseen).
 */
export const POCKETSPHINX_NOISY_WEAK_FITS: Readonly<Record<string, WeakFit>> = {
  snapshot: { threshold: 1e-45, minWordSeconds: 0.6 },
};

/**
 * Pronunciations spotted besides the dictionary's, in a quiet room only. CMU's dictionary is American: "shot" is
 * only SH AA T, but British English says /ʃɒt/, nearer AO, and so does flite kal (the language model hears its
 * "snapshot" as "champ shaw"). Tuning set, three draws, clean: 270 of 270 "snapshot" against 265 (the five
 * missed were all kal's slow ones), replies unchanged, no false alarm added in 45 minutes of its ordinary speech.
 * In a noisy room (10 dB SNR) it also heard all 270 against 265, but 5 false snapshots in that speech where
 * there was 1 ("...house next door", "a good shot", "gift shop"): there its false fits scored 1e-24 to 1e-34,
 * as low as 13 of kal's 147 real ones (1e-19 to 1e-35), so the noisy room's search leaves it out.
 */
export const POCKETSPHINX_PRONUNCIATIONS: Readonly<Record<string, readonly string[]>> = {
  snapshot: ['S N AE P SH AO T'],
};

/**
 * Words a command word is easily heard in even with a pause after it: "snap." fits "snapshot." once the
 * silence phones swallow a weak "shot"; "apply." and "replied." fit "reply." but for the onset or a weak
 * final /d/. ("replies" ends in frication, which the reply gate checks for; as a decoy it vetoes real
 * replies in several voices.)
 */
export const POCKETSPHINX_DECOYS: Readonly<Record<string, readonly string[]>> = {
  snapshot: ['snap'],
  reply: ['apply', 'applied'],
};
