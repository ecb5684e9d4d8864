import { ApiError } from './errors';
import { bodyObject, json, type RouteTable } from './routes';
import { checkLimits, decodeAudio, wordsFor, type Transcription, type TranscriptionLimits } from './transcription';

/** OpenAI's `pcm` speech: 24 kHz, 16-bit signed little-endian, mono. */
const PCM_RATE = 24000;
/** How long the double's "speech" lasts per character of input: about a real voice's pace. */
const SECONDS_PER_CHAR = 0.06;

/**
 * Audio API: speech and transcription. The double cannot speak or listen, so it
 * answers with real audio and real text whose content a test can check:
 *  - POST /audio/speech: a tone (pcm or wav) lasting SECONDS_PER_CHAR per input character;
 *  - POST /audio/transcriptions: words derived from the audio sent (WAV, FLAC or anything ffmpeg reads;
 *    see wordsFor), each answered transcription kept in `transcriptions` with its decoded audio, so a test
 *    sees which stretches of the question went out, how often and in what order.
 */
export function audioRoutes(transcriptions: Transcription[], limits: TranscriptionLimits): RouteTable {
  return {
    'POST /audio/speech': (ctx) => {
      const b = bodyObject(ctx);
      const input = String(b.input ?? '');
      const format = (b.response_format as string | undefined) ?? 'mp3';
      if (format !== 'pcm' && format !== 'wav') {
        throw new ApiError(400, `fake-openai speaks only pcm and wav, not ${format}`, 'invalid_request_error', 'response_format');
      }
      const pcm = tone(input.length * SECONDS_PER_CHAR);
      const body = format === 'pcm' ? pcm : Buffer.concat([wavHeader(pcm.length), pcm]);
      return { kind: 'bytes', contentType: format === 'pcm' ? 'audio/pcm' : 'audio/wav', body };
    },
    'POST /audio/transcriptions': async (ctx) => {
      const file = ctx.form?.files.file;
      if (!file) throw new ApiError(400, "'file' is required.", 'invalid_request_error', 'file');
      const fields = ctx.form?.fields ?? {};
      const model = fields.model ?? '';
      const pcm = await decodeAudio(file.bytes, file.name);
      const seconds = checkLimits(file.bytes.length, pcm, limits, model);
      const text = ctx.transcript ?? wordsFor(pcm);
      transcriptions.push({
        pcm,
        seconds,
        text,
        filename: file.name,
        model,
        ...(fields.prompt !== undefined ? { prompt: fields.prompt } : {}),
        ...(fields.language !== undefined ? { language: fields.language } : {}),
        answeredAt: Number(process.hrtime.bigint()) / 1e9,
        ...(ctx.answerCut ? { cut: true } : {}),
      });
      return json({ text });
    },
  };
}

function tone(seconds: number): Buffer {
  const n = Math.round(seconds * PCM_RATE);
  const out = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) out.writeInt16LE(Math.round(6000 * Math.sin((2 * Math.PI * 220 * i) / PCM_RATE)), i * 2);
  return out;
}

function wavHeader(dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(PCM_RATE, 24);
  h.writeUInt32LE(PCM_RATE * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}
