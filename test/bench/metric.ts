import type { Recogniser } from '../../src/recognition/recogniser';

/** One benchmark figure, printed as one JSON line. */
export interface Metric {
  metric: string;
  value: number;
  unit: string;
  target?: number;
  /** How the value must compare with the target. */
  better?: 'lower' | 'higher';
  engine?: string;
}

export function printMetric(m: Metric): boolean {
  const { better = 'lower', ...rest } = m;
  const ok = m.target === undefined ? true : better === 'lower' ? m.value <= m.target : m.value >= m.target;
  const line: Record<string, unknown> = { metric: rest.metric, value: round(rest.value), unit: rest.unit };
  if (rest.target !== undefined) line.target = rest.target;
  line.ok = ok;
  if (rest.engine) line.engine = rest.engine;
  process.stdout.write(`${JSON.stringify(line)}\n`);
  return ok;
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function round(v: number): number {
  return Math.abs(v) >= 100 ? Math.round(v * 10) / 10 : Math.round(v * 1000) / 1000;
}

/**
 * CPU seconds per second of audio a recogniser spends on `pcm` (16 kHz S16_LE, fed in 100 ms chunks and
 * flushed): the median of `rounds` rounds on the one warm recogniser, which is then closed. The machine is
 * shared: a round that met another process's load is outvoted.
 */
export function coreSecondsPerAudioSecond(rec: Recogniser, pcm: Buffer, rounds: number): number {
  const perRound: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const before = process.cpuUsage();
    for (let off = 0; off < pcm.length; off += 3200) rec.accept({ pcm: pcm.subarray(off, off + 3200), t: r * 100 + off / 32000 });
    rec.flush();
    const used = process.cpuUsage(before);
    perRound.push((used.user + used.system) / 1e6 / (pcm.length / 32000));
  }
  rec.close();
  return percentile(perRound, 50);
}
