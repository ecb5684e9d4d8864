import { ApiError } from './errors';
import { bodyObject, json, type RouteTable } from './routes';

/** OpenAI's `pcm` speech: 24 kHz, 16-bit signed little-endian, mono. */
const PCM_RATE = 24000;
/** How long the double's "speech" lasts per character of input: about a real voice's pace. */
const SECONDS_PER_CHAR = 0.06;

/**
 * Audio API: speech and transcription. The double cannot speak or listen, so it
 * answers with real audio and real text whose content a test can check:
 *  - POST /audio/speech: a tone (pcm or wav) lasting SECONDS_PER_CHAR per input character;
 *  - POST /audio/transcriptions: the audio's own duration in words, read from the WAV sent
 *    ("Heard 2.35 seconds of speech."), so a test sees which stretch of the question went out.
 */
export function audioRoutes(): RouteTable {
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
    'POST /audio/transcriptions': (ctx) => {
      const file = ctx.form?.files.file;
      if (!file) throw new ApiError(400, "'file' is required.", 'invalid_request_error', 'file');
      const seconds = wavSeconds(file.bytes);
      if (seconds === undefined) throw new ApiError(400, 'fake-openai transcribes only 16-bit PCM WAV files', 'invalid_request_error', 'file');
      return json({ text: `Heard ${seconds.toFixed(2)} seconds of speech.` });
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

/** Duration of a 16-bit PCM WAV, or undefined if it is not one (the double reads WAV itself rather than trust the client's code). */
function wavSeconds(wav: Buffer): number | undefined {
  if (wav.length < 44 || wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE') return undefined;
  let off = 12;
  let bytesPerSecond = 0;
  while (off + 8 <= wav.length) {
    const id = wav.toString('ascii', off, off + 4);
    const size = wav.readUInt32LE(off + 4);
    if (id === 'fmt ') {
      if (wav.readUInt16LE(off + 8 + 14) !== 16) return undefined;
      bytesPerSecond = wav.readUInt32LE(off + 8 + 8);
    } else if (id === 'data') {
      return bytesPerSecond ? Math.min(size, wav.length - off - 8) / bytesPerSecond : undefined;
    }
    off += 8 + size + (size & 1);
  }
  return undefined;
}
