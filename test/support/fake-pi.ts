import { DEFAULT_CONFIG } from '../../src/config/config';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';
import { BOARDS, FakeSysfs } from '../indicator/fake-sysfs';

/** The header's GPIO controller's first line in a Raspberry Pi 4's sysfs tree under Bookworm. */
const HEADER_BASE = 512;

/** A fake Raspberry Pi 4 (its sysfs GPIO tree, the default LEDs and button) and the OpenAI test double. */
export interface FakePi4 {
  readonly fake: FakeOpenAI;
  readonly sysfs: FakeSysfs;
  /** The tree's line number of a header pin. */
  line(pin: number): number;
  /** The default LEDs lit now, joined with "+", or "dark". */
  lit(): string;
  /** The default button pressed ('0') or released ('1'). */
  button(value: '0' | '1'): void;
}

/**
 * For a describe block of service tests with GPIO: made before its tests (the button released, as its pull-up
 * holds it), closed after them.
 */
export function fakePi4WithTestDouble(): FakePi4 {
  let fake: FakeOpenAI | undefined;
  let sysfs: FakeSysfs | undefined;
  const { leds, button } = DEFAULT_CONFIG.gpio;
  const line = (pin: number) => HEADER_BASE + pin;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    sysfs = new FakeSysfs(BOARDS['pi4-bookworm']!);
    sysfs.preExport(line(button!), '1');
  });
  afterAll(async () => {
    sysfs?.close();
    await fake?.close();
  });
  return {
    get fake() {
      return fake!;
    },
    get sysfs() {
      return sysfs!;
    },
    line,
    lit: () => Object.entries(leds).filter(([, p]) => sysfs!.value(line(p!)) === '1').map(([n]) => n).join('+') || 'dark',
    button: (value) => sysfs!.setInput(line(button!), value),
  };
}
