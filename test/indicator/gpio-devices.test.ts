import pino from 'pino';
import type { ButtonEvent } from '../../src/indicator/button';
import { openGpioDevices, gpioOpener } from '../../src/indicator/gpio-devices';
import { DEFAULT_CONFIG, type GpioConfig } from '../../src/config/config';
import { MonotonicClock } from '../../src/clock';
import { BOARDS, FakeSysfs } from './fake-sysfs';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const silent = pino({ level: 'silent' });

/** LEDs and button through snapask's sysfs writer on a fake Pi 5 tree (RP1 at base 571). */
describe('status LEDs and button on a fake Raspberry Pi 5 sysfs tree', () => {
  let fs: FakeSysfs;
  const base = 571;
  const config = (): GpioConfig => ({ ...structuredClone(DEFAULT_CONFIG.gpio), enabled: true });
  beforeEach(() => {
    fs = new FakeSysfs(BOARDS['pi5-bookworm']!);
  });
  afterEach(() => fs.close());

  it('exports each LED at base + BCM number as an output, lights one state at a time and flashes the snapshot LED', async () => {
    const c = { ...config(), sysfsRoot: fs.root, button: null, snapshotFlashMs: 80 };
    const dev = await openGpioDevices(c, new MonotonicClock(), gpioOpener(fs.root, silent), () => undefined);
    const leds = c.leds;
    const lit = () => Object.entries(leds).filter(([, pin]) => fs.value(base + pin!) === '1').map(([name]) => name);
    for (const pin of Object.values(leds)) expect(fs.direction(base + pin!)).toBe('low');
    expect(lit()).toEqual([]);
    dev.leds.set('listening');
    expect(lit()).toEqual(['listening']);
    dev.leds.set('recording');
    expect(lit()).toEqual(['recording']);
    dev.leds.set('snapshot');
    dev.leds.set('recording');
    expect(lit().sort()).toEqual(['recording', 'snapshot']);
    await sleep(150);
    expect(lit()).toEqual(['recording']);
    for (const s of ['thinking', 'speaking', 'error'] as const) {
      dev.leds.set(s);
      expect(lit()).toEqual([s]);
    }
    dev.leds.set('idle');
    expect(lit()).toEqual([]);
    dev.leds.set('error');
    dev.close();
    // Closing leaves every LED dark (and unexports the lines).
    expect(lit()).toEqual([]);
  });

  it('leaves out an LED set to null', async () => {
    const c = config();
    c.sysfsRoot = fs.root;
    c.button = null;
    c.leds.recording = null;
    const dev = await openGpioDevices(c, new MonotonicClock(), gpioOpener(fs.root, silent), () => undefined);
    expect(fs.exported(base + 27)).toBe(false);
    dev.leds.set('recording');
    expect(fs.value(base + c.leds.listening!)).toBe('0');
    dev.close();
  });

  it('reads the button (active low, already exported) as short, long and double presses, ignoring a glitch', async () => {
    const c = { ...config(), sysfsRoot: fs.root, longPressMs: 600 };
    const pin = base + c.button!;
    fs.preExport(pin, '1');
    const presses: ButtonEvent[] = [];
    const clock = new MonotonicClock();
    const dev = await openGpioDevices(c, clock, gpioOpener(fs.root, silent), (e) => presses.push(e));
    expect(fs.direction(pin)).toBe('in');
    await sleep(50);
    const pressedAt = clock.now();
    fs.setInput(pin, '0');
    await sleep(200);
    fs.setInput(pin, '1');
    await sleep(100);
    // A short press is told once no second one has followed within 0.4 s of its end (that would be a double).
    expect(presses).toEqual([]);
    await sleep(400);
    expect(presses.map((p) => p.press)).toEqual(['short']);
    // The press time is when the line went low, give or take the 10 ms polling.
    expect(presses[0]!.t - pressedAt).toBeGreaterThanOrEqual(0);
    expect(presses[0]!.t - pressedAt).toBeLessThan(0.05);

    fs.setInput(pin, '0');
    await sleep(8);
    fs.setInput(pin, '1');
    await sleep(150);
    expect(presses).toHaveLength(1);

    fs.setInput(pin, '0');
    await sleep(900);
    expect(presses.map((p) => p.press)).toEqual(['short', 'long']);
    fs.setInput(pin, '1');
    await sleep(100);
    expect(presses).toHaveLength(2);

    // Two short presses in quick succession: one double press (the microphone's mute).
    for (const held of [120, 120]) {
      fs.setInput(pin, '0');
      await sleep(held);
      fs.setInput(pin, '1');
      await sleep(150);
    }
    await sleep(500);
    expect(presses.map((p) => p.press)).toEqual(['short', 'long', 'double']);
    dev.close();
  });

  it('fails with the reason when the tree has no Raspberry Pi controller, and releases nothing half-opened', async () => {
    const other = new FakeSysfs([{ base: 0, label: 'gpio-mockup-A', ngpio: 8 }]);
    try {
      await expect(openGpioDevices({ ...config(), sysfsRoot: other.root }, new MonotonicClock(), gpioOpener(other.root, silent), () => undefined))
        .rejects.toThrow(/no GPIO controller labelled pinctrl-rp1 or pinctrl-bcm2711 or pinctrl-bcm2835 .*found: gpiochip0=gpio-mockup-A/);
    } finally {
      other.close();
    }
  });
});
