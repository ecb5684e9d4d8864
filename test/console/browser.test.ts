import { mkdtempSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSOLE_SHOTS as SHOTS, consoleBrowserHarness, freePort } from '../support/browser';
import type { TurnEvent } from '../../src/turn/turn-events';
import { runCli } from '../support/cli';
import { fakeEnv } from '../support/fake-bin';
import { writeServiceConfig } from '../support/service-config';
import { synthesise } from '../support/speech';
import { PersonAtMicrophone } from '../support/speaker-in-room';

/** The page's own globals, as the functions run in the browser see them (the tests compile without the DOM's types). */
declare const document: { getElementById(id: string): { textContent: string | null; value: number } | null; querySelectorAll(q: string): ArrayLike<{ complete: boolean; naturalWidth: number }> };

interface LogLine {
  msg: string;
  turn?: TurnEvent;
}

/**
 * The console as its owner uses it, in a real browser, against `snapask run` on the fake devices and the
 * OpenAI test double (on 127.0.0.2: to the service it is the real API, which needs a key, set from the page).
 */
describe('the console in a browser', () => {
  const harness = consoleBrowserHarness<LogLine>();

  it('pairs with the spoken code, shows the camera and the moving meter, answers a typed question, keeps a spoken one with its picture, and uses a key set on the page', async () => {
    const fake = harness.fake;
    const dir = mkdtempSync(join(tmpdir(), 'snapask-con-e2e-'));
    // Silence while the browser pairs, sets the key and asks a typed question (the microphone holds its
    // recording until the test lets it go), then a spoken question with a snapshot.
    const speech = await synthesise(
      [{ silence: 1 }, { text: 'what is this' }, { silence: 0.6 }, { text: 'snapshot' }, { silence: 0.6 }, { text: 'is it red' }, { silence: 0.8 }, { text: 'reply' }, { silence: 2 }],
      { engine: 'flite', voice: 'kal' },
    );
    writeFileSync(join(dir, 'q.wav'), speech.wav);
    const port = await freePort();
    writeServiceConfig(dir, { apiBase: fake.url, frames: 45, size: '320x240', fps: 15, config: { console: { enabled: true, port, host: '127.0.0.1' } } });
    const person = new PersonAtMicrophone(join(dir, 'hold'), join(dir, 'arecord.log'));
    const env = fakeEnv({ FAKE_ARECORD_WAV: join(dir, 'q.wav'), ...person.env, FAKE_CAMERA_MJPEG: join(dir, 'cam.mjpeg'), FAKE_APLAY_DIR: join(dir, 'played') });
    const base = `http://127.0.0.1:${port}`;
    const { svc: s, browser, page, csp } = await harness.start(join(dir, 'config.json'), env, (l) => l.some((x) => x.msg.startsWith('console on port')), 30_000);

    // Not paired: 401 and a way to pair.
    const first = await page.goto(`${base}/`);
    expect(first!.status()).toBe(401);
    await page.click('text=Pair this browser');
    await page.screenshot({ path: join(SHOTS, '1-pair.png'), fullPage: true });
    const code = (await runCli(['console', 'code', '--config', join(dir, 'config.json')])).stdout.trim();
    expect(code).toMatch(/^\d{6}$/);
    await page.fill('input[name=code]', code);
    await page.click('button:has-text("Pair")');
    await page.waitForURL(`${base}/`);
    const cookie = (await browser.cookies()).find((c) => c.name === 'snapask_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(cookie.expires).toBeGreaterThan(Date.now() / 1000);

    // Setup: a key, write-only; then it is "set" and never shown.
    const key = `test-page-${randomBytes(16).toString('hex')}`;
    await page.goto(`${base}/setup`);
    await expect(page.textContent('#state-OPENAI_API_KEY')).resolves.toBe('not set');
    await page.fill('form:has(input[value=OPENAI_API_KEY]) input[name=value]', key);
    await page.click('form:has(input[value=OPENAI_API_KEY]) button');
    await page.waitForSelector('text=OpenAI API key set: used from the next request.');
    await expect(page.textContent('#state-OPENAI_API_KEY')).resolves.toBe('set');
    expect(await page.content()).not.toContain(key);
    await page.selectOption('select[name=value]', 'low');
    await page.click('form:has(input[value="openai.detail"]) button');
    await page.waitForSelector('text=picture detail saved');
    await expect(page.textContent('#source-openai\\.detail')).resolves.toBe('from: this page');
    await page.screenshot({ path: join(SHOTS, '4-setup.png'), fullPage: true });

    // Live: the camera's view changes, the state is shown; the meter is read from now on (the loudest it shows).
    await page.goto(`${base}/`);
    const quiet = Number(await page.evaluate('document.getElementById("level").value'));
    expect(quiet).toBeLessThan(-80);
    let loudest = -Infinity;
    const meterWatch = setInterval(() => {
      page.evaluate('document.getElementById("level").value').then((v) => (loudest = Math.max(loudest, Number(v))), () => undefined);
    }, 100);
    const frames = new Set<string>();
    for (let i = 0; i < 40 && frames.size < 3; i++) {
      const src = await page.getAttribute('#cam', 'src');
      const loaded = await page.evaluate('document.getElementById("cam").complete && document.getElementById("cam").naturalWidth');
      if (src && loaded === 320) frames.add(src);
      await page.waitForTimeout(150);
    }
    expect(frames.size).toBeGreaterThanOrEqual(3);
    await expect(page.textContent('#doing')).resolves.toMatch(/listening/);

    // A typed question with a picture from the page: answered on the page (and spoken on the device).
    await page.fill('input[name=text]', 'what colour is the sky');
    await page.check('input[name=snapshot]');
    await page.click('button:has-text("Ask")');
    await page.waitForFunction(() => /You asked: "what colour is the sky"\. I received 1 image/.test(document.getElementById('last-a')?.textContent ?? ''), undefined, { timeout: 20_000 });
    expect(fake.requests.map((r) => String(r.headers.authorization))).toContain(`Bearer ${key}`);
    expect(new Set(fake.requests.map((r) => String(r.headers.authorization)))).toEqual(new Set([`Bearer ${key}`]));

    // The meter: silence before, then (once the typed answer has been spoken) the microphone speaks and it moves.
    await s.until((l) => l.some((x) => x.turn?.event === 'timings'), 30_000);
    expect(loudest).toBeLessThanOrEqual(-45);
    await person.speak();
    for (let i = 0; i < 300 && loudest <= -45; i++) await page.waitForTimeout(100);
    clearInterval(meterWatch);
    expect(loudest).toBeGreaterThan(-45);
    await page.screenshot({ path: join(SHOTS, '2-live.png'), fullPage: true });

    // The spoken question with its picture: answered, and in the history with a thumbnail.
    await s.until((l) => l.filter((x) => x.turn?.event === 'timings').length >= 2, 60_000);
    await page.goto(`${base}/history`);
    const spoken = page.locator('article.entry', { hasText: 'spoken' }).first();
    // The words as the offline recogniser heard them, as the service sent them.
    const sent = s.lines.flatMap((l) => (l.turn?.event === 'message' && l.turn.text !== 'what colour is the sky' ? [l.turn] : []));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.file_ids).toHaveLength(1);
    await expect(spoken.locator('.q').textContent()).resolves.toBe(sent[0]!.text);
    await expect(spoken.locator('.a').textContent()).resolves.toMatch(/You asked: .*1 image/);
    const thumb = spoken.locator('.pics img').first();
    await thumb.waitFor();
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.pics img')).every((i) => i.complete && i.naturalWidth > 0), undefined, { timeout: 10_000 });
    const typed = page.locator('article.entry', { hasText: 'typed' }).first();
    await expect(typed.locator('.q').textContent()).resolves.toBe('what colour is the sky');
    await expect(typed.locator('.pics img').count()).resolves.toBe(1);
    await page.screenshot({ path: join(SHOTS, '3-history.png'), fullPage: true });
    // Nothing of the console's own pages needed anything the policy forbids.
    expect(csp).toEqual([]);
    await thumb.click();
    await page.waitForURL(/\/pictures\/h\d+-[0-9a-f]+\/1$/);

    expect(await s.stop()).toBe(0);
    // The code and the key are never in the log.
    expect(s.stdout).not.toContain(key);
    expect(s.stdout).not.toMatch(new RegExp(`\\b${code}\\b`));
  }, 120_000);
});
