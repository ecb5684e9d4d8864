import { appendFileSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { encodeWav } from '../../src/audio/wav';
import { CALIBRATION_SENTENCES } from '../../src/recognition/calibration/calibrate-recordings';
import { calibrationPath } from '../../src/recognition/calibration/calibration-file';
import type { TurnEvent } from '../../src/turn/turn-events';
import { heldoutRooms } from '../bench/keywords-heldout';
import { CONSOLE_SHOTS as SHOTS, consoleBrowserHarness, freePort } from '../support/browser';
import { syntheticSession, writeMicrophoneSequence } from '../support/calibration-session';
import { runCli } from '../support/cli';
import { fakeEnv } from '../support/fake-bin';
import { writeServiceConfig } from '../support/service-config';

/** The page's own globals, as the functions run in the browser see them (the tests compile without the DOM's types). */
declare const document: { querySelectorAll(q: string): ArrayLike<{ textContent: string | null }> };

interface LogLine {
  msg: string;
  turn?: TurnEvent;
}

/** The words the learned engine listens for with the default commands, as snapask calibrate asks for them. */
const WORDS = ['snapshot', 'reply', 'cancel', 'stop'];

/** The lines of a job's list on the page, once its last ("done") line is there. */
async function jobLines(page: Page, id: string, timeout: number): Promise<string[]> {
  await page.waitForSelector(`#${id} li.job-done`, { timeout });
  return page.$$eval(`#${id} li`, (els) => els.map((e) => e.textContent ?? ''));
}

/** A fresh page's event stream is open (a job's lines pushed from now on reach it). */
const eventsOpen = (page: Page) => page.waitForSelector('body[data-events=open]', { state: 'attached', timeout: 20_000 });

/**
 * The setup page as the owner uses it, in a real browser, against `snapask run` (the learned engine) on the fake
 * devices and the OpenAI test double: the checks of snapask doctor with their results, run again after a key is
 * set; the model, detail and voice changed on the page used by the next question and sentence without a
 * restart; and a calibration whose prompts the page shows and the device says, its recordings taken from the
 * service's own microphone (the fake microphone plays the next recording each time the device listens).
 */
describe('the setup page in a browser', () => {
  const harness = consoleBrowserHarness<LogLine>();

  it('shows the checks with their fixes, applies settings at once, and calibrates the command words from the page', async () => {
    const fake = harness.fake;
    const dir = mkdtempSync(join(tmpdir(), 'snapask-con-setup-'));
    // The session a held-out voice says in a held-out room, one file per recording, in the order the device asks.
    const r = await syntheticSession({ engine: 'flite', voice: 'rms', rate: 1 }, heldoutRooms()[0]!, 3, WORDS);
    const files = writeMicrophoneSequence(dir, r);
    // Between the recordings the microphone hears the room.
    writeFileSync(join(dir, 'room.wav'), encodeWav(Buffer.from(r.room.buffer, r.room.byteOffset, 5 * 32000), 16000));
    const cues = join(dir, 'cues');

    const port = await freePort();
    writeServiceConfig(dir, {
      apiBase: fake.url,
      frames: 45,
      size: '320x240',
      fps: 15,
      config: { console: { enabled: true, port, host: '127.0.0.1' }, recogniser: { engine: 'learned' }, tts: { engine: 'openai' } },
    });
    const played = join(dir, 'played');
    const env = fakeEnv({
      FAKE_ARECORD_WAV: join(dir, 'room.wav'),
      FAKE_ARECORD_SEQUENCE: join(dir, 'sequence'),
      FAKE_ARECORD_CUES: cues,
      FAKE_CAMERA_MJPEG: join(dir, 'cam.mjpeg'),
      FAKE_APLAY_DIR: played,
    });
    const base = `http://127.0.0.1:${port}`;
    const { svc: s, page, csp } = await harness.start(join(dir, 'config.json'), env, (l) => l.some((x) => x.msg === 'listening') && l.some((x) => x.msg.startsWith('console on port')), 60_000);
    await page.goto(`${base}/pair`);
    const code = (await runCli(['console', 'code', '--config', join(dir, 'config.json')])).stdout.trim();
    await page.fill('input[name=code]', code);
    await page.click('button:has-text("Pair")');
    await page.waitForURL(`${base}/`);

    // The checks, through the service: no key yet, so that one fails with its fix; the devices pass.
    await page.goto(`${base}/setup`);
    await eventsOpen(page);
    await page.click('#start-doctor');
    const first = await jobLines(page, 'doctor', 60_000);
    expect(first).toContainEqual(expect.stringMatching(/^✓ microphone: 3\.\d s from the default ALSA device, through the service: peak /));
    expect(first).toContainEqual(expect.stringMatching(/^✓ camera: rpicam, through the service: one frame taken \(320x240, /));
    expect(first).toContainEqual(expect.stringMatching(/^✓ speaker: a test phrase played on the default ALSA device, through the service/));
    expect(first).toContainEqual(expect.stringMatching(/^✗ api key: no OpenAI API key is set; fix: put OPENAI_API_KEY=sk-\.\.\. in .*secrets/));
    expect(first).toContainEqual(expect.stringMatching(/^✓ recogniser: learned loaded, the service listens with it for snapshot, reply, /));
    expect(first).toContainEqual(expect.stringMatching(/^✓ disk: /));
    expect(first[first.length - 1]).toMatch(/^\d+ checks? failed\.$/);
    await page.screenshot({ path: join(SHOTS, '5-doctor.png'), fullPage: true });

    // A key set on the page, the checks run again: now it is accepted. The page shows the earlier run until then.
    const key = `test-page-${randomBytes(16).toString('hex')}`;
    await page.fill('form:has(input[value=OPENAI_API_KEY]) input[name=value]', key);
    await page.click('form:has(input[value=OPENAI_API_KEY]) button');
    await page.waitForSelector('text=OpenAI API key set: used from the next request.');
    await expect(page.$$eval('#doctor li', (els) => els.length)).resolves.toBe(first.length);
    await eventsOpen(page);
    await page.click('#start-doctor');
    // The new run clears the old lines first.
    await page.waitForFunction(() => !Array.from(document.querySelectorAll('#doctor li')).some((l) => /no OpenAI API key/.test(l.textContent ?? '')), undefined, { timeout: 20_000 });
    const second = await jobLines(page, 'doctor', 60_000);
    expect(second).toContainEqual(expect.stringMatching(/^✓ api key: accepted by 127\.0\.0\.2/));
    expect(second).toContainEqual(expect.stringMatching(/^✓ model: gpt-\S+ available$/));
    expect(fake.requests.some((q) => q.path.startsWith('/models/') && q.headers.authorization === `Bearer ${key}`)).toBe(true);
    expect(await page.content()).not.toContain(key);

    // Model, picture detail and voice: saved on the page, used by the next question and sentence, no restart.
    const setting = async (key_: string, value: string, select = false) => {
      const form = `form:has(input[value="${key_}"])`;
      if (select) await page.selectOption(`${form} select[name=value]`, value);
      else await page.fill(`${form} input[name=value]`, value);
      await page.click(`${form} button`);
      await page.waitForSelector(`#source-${key_.replace('.', '\\.')}:has-text("from: this page")`);
    };
    await setting('openai.model', 'gpt-4o-mini');
    await expect(page.textContent('p.note')).resolves.toBe('model saved: used from the next question.');
    await setting('openai.detail', 'low', true);
    await setting('tts.voice', 'coral');
    await expect(page.textContent('p.note')).resolves.toBe('voice saved: used from the next sentence.');
    await page.screenshot({ path: join(SHOTS, '6-setup-settings.png'), fullPage: true });
    const asked = fake.requests.length;
    await page.goto(`${base}/`);
    await page.fill('input[name=text]', 'what colour is the sky');
    await page.check('input[name=snapshot]');
    await page.click('button:has-text("Ask")');
    await s.until((l) => l.some((x) => x.turn?.event === 'timings'), 60_000);
    const after = fake.requests.slice(asked);
    const response = after.find((q) => q.path === '/responses');
    expect(response?.body).toMatchObject({ model: 'gpt-4o-mini' });
    expect(JSON.stringify(response?.body)).toContain('"detail":"low"');
    const voices = after.filter((q) => q.path === '/audio/speech').map((q) => (q.body as { voice?: string }).voice);
    expect(voices.length).toBeGreaterThan(0);
    expect(new Set(voices)).toEqual(new Set(['coral']));

    // Calibration: the page shows each prompt, the device says it; each time the device listens, the fake
    // microphone plays the next recording of the session.
    await page.goto(`${base}/setup`);
    await eventsOpen(page);
    const spokenBefore = readdirSync(played).length;
    const turnLines = s.lines.filter((l) => l.turn).length;
    // Calibration is refused while the device answers: the typed question's answer is over, the device idle again.
    await s.until((l) => {
      const answered = l.findIndex((x) => x.turn?.event === 'timings');
      return answered >= 0 && l.slice(answered).some((x) => x.msg === 'indicator listening');
    }, 60_000);
    await page.click('#start-calibration');
    await page
      .waitForSelector('#calibration li:has-text("Recording the room for 30 seconds: please stay quiet.")', { timeout: 60_000 })
      .catch(async (e: Error) => {
        throw new Error(`${e.message}; the page shows: ${await page.textContent('#calibration')}`);
      });
    for (let i = 0; i < files.length; i++) {
      await s.until((l) => l.filter((x) => x.msg === 'calibration: recording').length > i, 60_000);
      appendFileSync(cues, `${i}\n`);
      if (i === 1 + CALIBRATION_SENTENCES.length) await page.waitForSelector('#calibration li:has-text(\'Say "snapshot" (1 of 5).\')');
    }
    const lines = await jobLines(page, 'calibration', 300_000);
    await page.screenshot({ path: join(SHOTS, '7-calibration.png'), fullPage: true });
    expect(lines).toContain('Say "stop" (5 of 5).');
    for (const w of WORDS) expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^"${w}": heard in \\d+ of 10 \\(your takes, alone and after a sentence\\) after calibration`)));
    expect(lines).toContainEqual(expect.stringMatching(/^The room: \d+ false alarms in 30 s after calibration, \d+ before\.$/));
    expect(lines).toContain('Saved on the device; the service hears with it from now on (no restart needed).');
    await s.until((l) => l.some((x) => x.msg.startsWith('keyword calibration applied')), 10_000);
    expect(lines.filter((l) => /Nothing was saved|Stopped/.test(l))).toEqual([]);
    expect(existsSync(calibrationPath(join(dir, 'state')))).toBe(true);
    // Every prompt was said on the device: the room, the sentences, five of each word, and thanks.
    expect(readdirSync(played).length - spokenBefore).toBe(1 + CALIBRATION_SENTENCES.length + 5 * WORDS.length + 1);
    // The words said for calibration did nothing: no snapshot, no question.
    expect(s.lines.filter((l) => l.turn).length).toBe(turnLines);
    // The page now names the calibration in use.
    await page.goto(`${base}/setup`);
    await expect(page.textContent('body')).resolves.toMatch(/In use: the calibration of \d{4}-\d\d-\d\d\./);
    expect(csp).toEqual([]);

    expect(await s.stop()).toBe(0);
    expect(s.stdout).not.toContain(key);
  }, 600_000);
});
