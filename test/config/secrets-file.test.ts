import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSecretsText, secretsFromVars } from '../../src/config/secrets-file';
import { GpioLedIndicator } from '../../src/indicator/led-indicator';
import type { GpioLine } from '../../src/indicator/gpio-line';
import { runCli } from '../support/cli';

describe('the secrets file', () => {
  it('reads KEY=value lines as systemd did: comments, export, quotes, empty values', () => {
    expect(parseSecretsText('# the key\nexport OPENAI_API_KEY="sk-a b"\nZAPIER_HOOK_URL=https://h/x  # mine\nZAPIER_MCP_TOKEN=\n\nnot a line\n')).toEqual({
      OPENAI_API_KEY: 'sk-a b',
      ZAPIER_HOOK_URL: 'https://h/x',
      ZAPIER_MCP_TOKEN: '',
    });
    expect(secretsFromVars({ OPENAI_API_KEY: '', ZAPIER_MCP_TOKEN: 'abc' })).toEqual({ zapierMcpAuthorization: 'Bearer abc' });
  });
});

describe('needs-setup on the LEDs', () => {
  it('blinks the error LED slowly, and stops when another state comes', async () => {
    const writes: number[] = [];
    const line = (record: boolean): GpioLine => ({ number: 0, write: (v) => record && writes.push(v), read: () => 0, watch: () => undefined, close: () => undefined });
    const leds = new GpioLedIndicator({ error: line(true), listening: line(false) }, 300, 50);
    leds.set('needs-setup');
    await new Promise((r) => setTimeout(r, 230));
    leds.set('listening');
    const count = writes.length;
    await new Promise((r) => setTimeout(r, 150));
    // 1 (set), then 0, 1, 0, 1 every 50 ms; "listening" turns it off and it stays off.
    expect(writes.slice(0, 4)).toEqual([1, 0, 1, 0]);
    expect(writes[writes.length - 1]).toBe(0);
    expect(writes.length).toBe(count);
    leds.close();
  });
});

describe('snapask run with a configuration error', () => {
  it('exits 78 (EX_CONFIG), which the unit does not restart, naming the mistake', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapask-cfg-'));
    writeFileSync(join(dir, 'bad.json'), '{"camera":{"kind":"usb"}}');
    const r = await runCli(['run', '--config', join(dir, 'bad.json')]);
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/camera\.kind = "usb" is not allowed/);
  });
});
