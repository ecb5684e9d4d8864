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

export type CommandWordSet = Record<CommandRole, string>;

export interface CommandRules {
  words: CommandWordSet;
  /**
   * "reply" counts only when it ends the utterance: no speech for this long
   * after it ("please reply to Anna" in mid-question does not send).
   */
  replyGapSeconds: number;
  /** Engine thresholds per word (PocketSphinx -kws_threshold); unset words use the engine's tuned default. */
  thresholds: Record<string, number>;
}

export const DEFAULT_REPLY_GAP_SECONDS = 0.8;

/** Builds the rules from the configuration, refusing ambiguous word sets with one clear line. */
export function commandRules(words: CommandWordSet, o: { replyGapSeconds?: number; thresholds?: Record<string, number> } = {}): CommandRules {
  const norm = {} as CommandWordSet;
  for (const role of COMMAND_ROLES) {
    const [w] = normaliseKeywords([words[role]], (m) => new RecogniserError(`commands.${role}: ${m}`));
    const clash = COMMAND_ROLES.find((r) => r !== role && norm[r] === w);
    if (clash) throw new RecogniserError(`commands.${role} and commands.${clash} are the same word "${w}"`);
    norm[role] = w!;
  }
  const thresholds: Record<string, number> = {};
  for (const [w, t] of Object.entries(o.thresholds ?? {})) {
    const word = w.trim().toLowerCase();
    if (!Object.values(norm).includes(word)) throw new RecogniserError(`recogniser.thresholds: "${w}" is not one of the command words`);
    thresholds[word] = t;
  }
  return { words: norm, replyGapSeconds: o.replyGapSeconds ?? DEFAULT_REPLY_GAP_SECONDS, thresholds };
}

/** The words the engine spots. */
export function spottedWords(r: CommandRules): string[] {
  return COMMAND_ROLES.map((role) => r.words[role]);
}

/** The part a heard word plays, if it is a command word. */
export function roleOf(r: CommandRules, word: string): CommandRole | undefined {
  const w = word.toLowerCase();
  return COMMAND_ROLES.find((role) => r.words[role] === w);
}
