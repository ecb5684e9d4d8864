/**
 * `node dist/test/bench/keywords-fused-tuning.js`: chooses the `combined` engine's merge (window, start rule,
 * per-word sources) on the TUNING speakers only (the held-out bench's tuning set: training voices, babble for
 * background talk). Each clip is heard once by the learned and the PocketSphinx stacks (engine, cleaning, command
 * rules), and their keyword streams are merged by KeywordMerge for every variant, in the order and on the
 * 100 ms chunk grid the engine would see them. An approximation: the engine applies the reply gate once to the
 * merged stream; here each engine's own stream was gated before the merge.
 *
 * FUSED_ROOMS (default quiet,babble10,room_large_far), FUSED_FA_MINUTES (default 10); FUSED_SAVE=file keeps the
 * two engines' streams, FUSED_STREAMS=file judges the variants on kept streams without hearing the clips again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { createRecogniser } from '../../src/recognition/create-recogniser';
import type { KeywordEvent } from '../../src/recognition/recogniser';
import { KeywordMerge, reportsInOrder, type MergeOptions } from '../../src/recognition/keywords-from-both';
import { keywordsIn, RULES } from '../support/recognise';
import { babble, framesInRangeShare, heldoutRooms, inRoom, inSentenceCases, LEAD, midSentenceReplyCases, ordinaryCases, questionCases, ratio, scoreInSentence, scoreQuestions, tally, tuningVoices, type Case, type Tally } from './keywords-heldout';
import { percentile } from './metric';

type Streams = { learned: KeywordEvent[]; pocketsphinx: KeywordEvent[] };

function hear(engine: 'learned' | 'pocketsphinx', pcm: Buffer): KeywordEvent[] {
  return keywordsIn(createRecogniser({ engine }, RULES, { transcribe: false }), pcm, -LEAD);
}

/** The merged stream as KeywordsFromBoth hands it on: reports in the chunk they came in, waits checked at each chunk's end. */
export function replay(s: Streams, o: MergeOptions): KeywordEvent[] {
  const merge = new KeywordMerge(o);
  const reports = reportsInOrder(s.learned, s.pocketsphinx);
  const out: KeywordEvent[] = [];
  const last = Math.max(0, ...reports.map((r) => r.e.detectedAt)) + o.holdSeconds + 0.2;
  let i = 0;
  for (let t = -LEAD + 0.1; t < last; t += 0.1) {
    while (i < reports.length && reports[i]!.e.detectedAt <= t + 1e-9) {
      out.push(...merge.add(reports[i]!.e, reports[i]!.source, reports[i]!.e.detectedAt));
      i++;
    }
    out.push(...merge.advance(t));
  }
  out.push(...merge.drain(last));
  return out;
}

interface Heard {
  room: string;
  kind: 'questions' | 'sentences' | 'ordinary' | 'midReply';
  c: Case;
  s: Streams;
  seconds: number;
}

function variants(): Array<{ name: string; o: MergeOptions }> {
  const out: Array<{ name: string; o: MergeOptions }> = [];
  const policies: Array<[string, MergeOptions['sources']]> = [
    ['all-both', {}],
    ['stop,cancel-learned', { stop: 'learned', cancel: 'learned' }],
    ['stop,cancel-ps', { stop: 'pocketsphinx', cancel: 'pocketsphinx' }],
    ['reply-learned', { reply: 'learned' }],
    ['reply-ps', { reply: 'pocketsphinx' }],
    ['snapshot-learned', { snapshot: 'learned' }],
  ];
  for (const windowSeconds of [0.1, 0.3, 0.6]) {
    for (const [start, holdSeconds] of [['first', 0], ['learned', 0.15], ['learned', 0.3], ['pocketsphinx', 0.15], ['pocketsphinx', 0.3], ['earlier', 0.15], ['earlier', 0.3]] as const) {
      out.push({ name: `w${windowSeconds} ${start}${holdSeconds ? `+${holdSeconds}` : ''} all-both`, o: { windowSeconds, start, holdSeconds, sources: {} } });
    }
  }
  for (const [name, sources] of policies.slice(1)) out.push({ name: `w0.3 first ${name}`, o: { windowSeconds: 0.3, start: 'first', holdSeconds: 0, sources } });
  return out;
}

function judge(name: string, heard: Heard[], pick: (s: Streams) => KeywordEvent[], targetRooms: Set<string>): void {
  const q: Tally = tally();
  const sen: Tally = tally();
  const fa: Record<string, number> = {};
  let faSeconds = 0;
  let mid = 0;
  const perRoom: Record<string, { q: Tally; s: Tally }> = {};
  for (const h of heard) {
    const events = pick(h.s);
    const r = (perRoom[h.room] ??= { q: tally(), s: tally() });
    if (h.kind === 'questions') {
      scoreQuestions(r.q, h.c, events);
      if (targetRooms.has(h.room)) scoreQuestions(q, h.c, events);
    } else if (h.kind === 'sentences') {
      scoreInSentence(r.s, h.c, events);
      if (targetRooms.has(h.room)) scoreInSentence(sen, h.c, events);
    } else if (h.kind === 'midReply') mid += events.filter((e) => e.word === 'reply').length;
    else {
      faSeconds += h.seconds;
      for (const e of events) fa[e.word] = (fa[e.word] ?? 0) + 1;
    }
  }
  const hours = faSeconds / 3600;
  const rooms = Object.entries(perRoom)
    .map(([room, r]) => `${room} ${ratio(r.q, 'snapshot').toFixed(2)}/${ratio(r.s, 'snapshot').toFixed(2)}/${ratio(r.q, 'reply').toFixed(2)}`)
    .join(' ');
  process.stdout.write(
    `${JSON.stringify({
      variant: name,
      snapshot: +ratio(q, 'snapshot').toFixed(3),
      in_sentence: +ratio(sen, 'snapshot').toFixed(3),
      reply: +ratio(q, 'reply').toFixed(3),
      false_snapshots: fa.snapshot ?? 0,
      false_sends: fa.reply ?? 0,
      false_cancels: fa.cancel ?? 0,
      false_stops: fa.stop ?? 0,
      fa_hours: +hours.toFixed(3),
      mid_sentence_sends: mid,
      frame_share: +framesInRangeShare(q).toFixed(3),
      snapshot_delay_p95: Math.round(percentile(q.snapshotDelayMs, 95)),
      reply_delay_p50: Math.round(percentile(q.replyDelayMs, 50)),
      rooms,
    })}\n`,
  );
}

async function main(): Promise<void> {
  if (process.env.HELDOUT_SET && process.env.HELDOUT_SET !== 'tuning') throw new Error('the merge is chosen on the tuning set only');
  if (process.env.FUSED_STREAMS) {
    const heard = JSON.parse(readFileSync(process.env.FUSED_STREAMS, 'utf8')) as Heard[];
    return judgeAll(heard, new Set(heard.map((h) => h.room)));
  }
  try {
    setPriority(10);
  } catch {
    // not permitted
  }
  const voices = tuningVoices();
  const picked = (process.env.FUSED_ROOMS ?? 'quiet,babble10,room_large_far').split(',');
  const rooms = heldoutRooms(await babble()).filter((r) => picked.includes(r.name));
  const faMinutes = Number(process.env.FUSED_FA_MINUTES ?? '10');
  const sets = {
    questions: await questionCases(voices),
    sentences: await inSentenceCases(voices),
    ordinary: await ordinaryCases(voices, faMinutes),
    midReply: await midSentenceReplyCases(voices),
  };
  const heard: Heard[] = [];
  const seeds = { questions: 0, sentences: 100, ordinary: 200, midReply: 300 };
  for (const room of rooms) {
    for (const kind of ['questions', 'sentences', 'ordinary', 'midReply'] as const) {
      for (const [i, c] of sets[kind].entries()) {
        const pcm = inRoom(room, c, seeds[kind] + i);
        heard.push({ room: room.name, kind, c: { ...c, pcm: Buffer.alloc(0) }, s: { learned: hear('learned', pcm), pocketsphinx: hear('pocketsphinx', pcm) }, seconds: c.pcm.length / 32000 + LEAD });
      }
      process.stderr.write(`${room.name} ${kind} heard\n`);
    }
  }
  // Kept so another variant can be judged without hearing the clips again (FUSED_STREAMS=file).
  if (process.env.FUSED_SAVE) writeFileSync(process.env.FUSED_SAVE, JSON.stringify(heard));
  judgeAll(heard, new Set(rooms.map((r) => r.name)));
}

function judgeAll(heard: Heard[], targets: Set<string>): void {
  judge('learned alone', heard, (s) => s.learned, targets);
  judge('pocketsphinx alone', heard, (s) => s.pocketsphinx, targets);
  for (const v of variants()) judge(v.name, heard, (s) => replay(s, v.o), targets);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(`fused tuning: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
