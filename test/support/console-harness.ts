/**
 * The console's web server alone, in its own process (Node's dynamic import, which @fastify/cookie uses, does not
 * run inside jest's module sandbox), on stand-in devices: a fixed camera frame, a fixed microphone level, an
 * activity the parent test sets and a speaker that reports what it was asked to say. Driven over IPC:
 *   fork(harness, [JSON {dir, secrets: [...]}]) -> {ready, base, historyId}; {cmd: 'activity', activity}; {cmd: 'said'} -> {said}.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from '../../src/camera/frame';
import { parseSecretsText } from '../../src/config/secrets-file';
import { ConsoleAuth, consoleDir } from '../../src/console/console-auth';
import type { ConsoleDevices, DeviceActivity } from '../../src/console/console-devices';
import { ConsoleServer } from '../../src/console/console-server';
import { HistoryStore } from '../../src/console/history-store';
import { writeSecret } from '../../src/config/secrets-writer';
import { redactText } from '../../src/log';
import { mjpegFrames } from './jpeg';

export interface HarnessOptions {
  dir: string;
  /** Secret values: the first goes into the secrets file as the key, the second as the hook URL; all are redacted. */
  secrets: string[];
  /** An error text stored in the history entry (it quotes the key, as an API error can). */
  historyError: string;
}

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2]!) as HarnessOptions;
  const secretsPath = join(o.dir, 'secrets/secrets.env');
  writeSecret(secretsPath, 'OPENAI_API_KEY', o.secrets[0]!);
  writeSecret(secretsPath, 'ZAPIER_HOOK_URL', o.secrets[1]!);
  const frame: Frame = { jpeg: mjpegFrames(1, '160x120'), t: 1, index: 7 };
  const history = new HistoryStore(o.dir, { maxQuestions: 10, maxDays: 1, maxMB: 10 }, { onError: () => undefined, thumbnails: false });
  writeFileSync(join(o.dir, 'pic.jpg'), frame.jpeg);
  const entry = history.add({ turn: 't1', from: 'voice', text: 'what is this', pictureFiles: [join(o.dir, 'pic.jpg')] });
  history.update(entry.id, (h) => {
    h.answer = 'A test card.';
    h.errors.push(o.historyError);
  });
  let activity: DeviceActivity = { led: 'listening', doing: 'listening', pictures: 0, camera: 'running' };
  const listeners = new Set<(a: DeviceActivity) => void>();
  const said: string[] = [];
  const devices: ConsoleDevices = {
    latestFrame: () => frame,
    micLevel: () => ({ rmsDb: -40, peakDb: -20, floorDb: -60, clipped: 0 }),
    activity: () => activity,
    onActivity: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    say: (t) => said.push(t),
  };
  const server = new ConsoleServer({
    host: '127.0.0.1',
    port: 0,
    previewFps: 5,
    auth: new ConsoleAuth({ dir: consoleDir(o.dir), freeFailures: 3, maxLockMs: 4000 }),
    devices,
    history,
    setup: {
      view: () => ({
        secrets: [{ name: 'OPENAI_API_KEY', label: 'OpenAI API key', set: true, source: 'secrets file' }],
        settings: [],
        doctor: { running: false, lines: [] },
        calibration: { running: false, lines: [] },
      }),
      startJob: () => 'started',
      onJobLine: () => () => undefined,
      setSecret: (name, value) => {
        writeSecret(secretsPath, name as 'OPENAI_API_KEY', value);
        return 'set';
      },
      setSetting: () => 'saved',
    },
    ask: () => 't-asked',
    redact: (t) => redactText(t, [...o.secrets, ...Object.values(parseSecretsText(readFileSync(secretsPath, 'utf8')))]),
    log: { info: () => undefined, warn: () => undefined },
  });
  const base = await server.listen();
  process.on('message', (m: { cmd: string; activity?: DeviceActivity }) => {
    if (m.cmd === 'activity' && m.activity) {
      activity = m.activity;
      for (const l of listeners) l(activity);
    } else if (m.cmd === 'said') {
      process.send!({ said });
    } else if (m.cmd === 'close') {
      void server.close().then(() => process.exit(0));
    }
  });
  process.send!({ ready: true, base, historyId: entry.id });
}

main().catch((e: unknown) => {
  process.stderr.write(`console harness: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
