import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLE_RATE } from '../../audio/audio-source';
import { encodeWav, parseWav } from '../../audio/wav';
import type { Recordings } from './calibrate-recordings';
import { samplesDir } from './calibration-file';

/** The owner's recordings, kept with their consent (snapask calibrate --keep-samples) for --check. */
interface SamplesManifest {
  format: 'snapask-calibration-samples/1';
  created: string;
  room: string;
  sentences: string[];
  takes: Array<{ word: string; file: string }>;
  /** Per word: how many of its samples the calibration heard when it was made. */
  heard: Record<string, { heard: number; of: number }>;
}

const MANIFEST = 'samples.json';

function toBuffer(x: Int16Array): Buffer {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
}

/** Keeps the recordings (a directory only the owner's user can enter: they are recordings of a voice). */
export function keepSamples(stateDir: string, r: Recordings, heard: SamplesManifest['heard'], now = new Date()): string {
  const dir = samplesDir(stateDir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const write = (name: string, x: Int16Array): string => {
    writeFileSync(join(dir, name), encodeWav(toBuffer(x), SAMPLE_RATE), { mode: 0o600 });
    return name;
  };
  const counts = new Map<string, number>();
  const manifest: SamplesManifest = {
    format: 'snapask-calibration-samples/1',
    created: now.toISOString(),
    room: write('room.wav', r.room),
    sentences: r.sentences.map((s, i) => write(`sentence-${i + 1}.wav`, s)),
    takes: r.takes.map((t) => {
      const n = (counts.get(t.word) ?? 0) + 1;
      counts.set(t.word, n);
      return { word: t.word, file: write(`${t.word}-${n}.wav`, t.samples) };
    }),
    heard,
  };
  writeFileSync(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`, { mode: 0o600 });
  return dir;
}

export function dropSamples(stateDir: string): boolean {
  const dir = samplesDir(stateDir);
  if (!existsSync(dir)) return false;
  rmSync(dir, { recursive: true, force: true });
  return true;
}

/** The kept recordings and what calibration heard of them, or undefined when none were kept. */
export function loadSamples(stateDir: string): { recordings: Recordings; heard: SamplesManifest['heard']; created: string } | undefined {
  const dir = samplesDir(stateDir);
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) return undefined;
  const m = JSON.parse(readFileSync(path, 'utf8')) as SamplesManifest;
  const read = (name: string): Int16Array => {
    const pcm = parseWav(readFileSync(join(dir, name)), name).pcm;
    return new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.length));
  };
  return {
    recordings: { room: read(m.room), sentences: m.sentences.map(read), takes: m.takes.map((t) => ({ word: t.word, samples: read(t.file) })) },
    heard: m.heard,
    created: m.created,
  };
}
