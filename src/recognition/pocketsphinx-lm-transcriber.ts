/**
 * PocketSphinx's language-model decoder (en-us.lm.bin) as a transcriber: its utterances are cut by the
 * library's voice activity detector (ps_get_in_speech, -remove_silence yes, so it only searches speech,
 * hangover -vad_postspeech 0.4 s): one transcript per utterance, with word times. It is fed exactly the
 * stream (no replays), so its frames are stream frames.
 */
import * as path from 'node:path';
import { SAMPLE_RATE } from '../audio/audio-source';
import { FRAME_SAMPLES } from '../audio/audio-analysis';
import { PsDecoder, type PsArgs } from './pocketsphinx-binding';
import type { RecognitionEvent, TimedWord, TranscriptEvent } from './recogniser';
import type { SampleClock } from './sample-clock';
import { isFiller, normaliseWord } from './words';

/** LM decoder options that cut CPU time with little loss in accuracy (measured). */
const LM_SPEED_ARGS: PsArgs = {
  '-topn': 2,
  '-pl_window': 5,
  '-maxhmmpf': 3000,
  '-maxwpf': 5,
  '-fwdflat': false,
  '-bestpath': false,
};
/** An utterance is cut after this long even if speech continues (bounded memory/latency). */
const MAX_UTTERANCE_SECONDS = 30;

export class PocketSphinxTranscriber {
  private readonly lm: PsDecoder;
  /** Stream sample where the open utterance began. */
  uttStart = 0;
  private speechSeen = false;

  constructor(
    modelDir: string,
    common: PsArgs,
    private readonly clock: SampleClock,
    lmArgs?: PsArgs,
  ) {
    this.lm = PsDecoder.create(
      { ...common, '-lm': path.join(modelDir, 'en-us.lm.bin'), '-remove_silence': true, '-vad_postspeech': 40, ...LM_SPEED_ARGS, ...lmArgs },
      modelDir,
    );
    this.lm.startStream();
    this.lm.startUtt();
  }

  /** Feeds `block`, the stream's samples up to `fedAfter`, decoded with the cepstral mean `cmn`. */
  feed(block: Buffer, fedAfter: number, cmn: Float32Array, events: RecognitionEvent[]): void {
    this.lm.setCmnMean(cmn);
    this.lm.processRaw(block);
    const inSpeech = this.lm.inSpeech();
    if (inSpeech) this.speechSeen = true;
    const tooLong = fedAfter - this.uttStart > MAX_UTTERANCE_SECONDS * SAMPLE_RATE;
    if ((this.speechSeen && !inSpeech) || tooLong) this.endUtterance(fedAfter, events);
  }

  /** Ends the open utterance at stream sample `end` (a quiet spell, or flush), its transcript into `events`. */
  endUtterance(end: number, events: RecognitionEvent[]): void {
    this.lm.endUtt();
    this.collect(events);
    this.lm.startUtt();
    this.uttStart = end;
    this.speechSeen = false;
  }

  free(): void {
    this.lm.free();
  }

  private collect(events: RecognitionEvent[]): void {
    const words: TimedWord[] = [];
    for (const seg of this.lm.segments()) {
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
