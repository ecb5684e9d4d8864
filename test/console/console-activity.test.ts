import { MonotonicClock } from '../../src/clock';
import { activityOf, type DeviceActivity } from '../../src/console/console-devices';
import { ServiceControl } from '../../src/control/service-control';
import { FanoutIndicator } from '../../src/indicator/fanout-indicator';

/** The console's view of the device, read from the service's control as the service wires it (a fanout target). */
describe("the console's activity, from the service's control", () => {
  it('follows the LEDs as shown (question, mute, setup applied), ignores the snapshot flash, counts the pictures, says an error', async () => {
    let pictures = 0;
    const targets: ServiceControl[] = [];
    const fanout = new FanoutIndicator(targets);
    const control = new ServiceControl({ clock: new MonotonicClock(), indicator: fanout, pictures: () => pictures, say: async () => undefined });
    targets.push(control);
    const seen: DeviceActivity[] = [];
    control.onState(() => seen.push(activityOf(control, 'running')));
    const doing = () => activityOf(control, 'running').doing;

    expect(activityOf(control, 'none')).toEqual({ led: 'idle', doing: 'starting', pictures: 0, camera: 'none' });
    fanout.set('listening');
    expect(doing()).toBe('listening');
    fanout.questionStarted();
    expect(activityOf(control, 'running')).toMatchObject({ led: 'recording', doing: 'question open with 0 pictures' });
    pictures = 1;
    fanout.set('snapshot');
    // The flash changes nothing shown but the count.
    expect(activityOf(control, 'running')).toMatchObject({ led: 'recording', doing: 'question open with 1 picture', pictures: 1 });
    fanout.set('listening');
    pictures = 2;
    expect(doing()).toBe('question open with 2 pictures');
    fanout.questionEnded();
    pictures = 0;
    fanout.set('thinking');
    expect(doing()).toBe('thinking');
    fanout.set('error', 'Incorrect API key provided');
    expect(activityOf(control, 'running')).toMatchObject({ led: 'error', doing: 'error: Incorrect API key provided' });
    fanout.set('listening');
    fanout.needsSetup('no OpenAI API key');
    expect(activityOf(control, 'running')).toMatchObject({ led: 'needs-setup', doing: 'listening, needs setup' });
    await control.setMuted(true);
    expect(activityOf(control, 'running')).toMatchObject({ led: 'muted', doing: 'microphone off' });
    // Every change reached the listeners.
    expect(seen.map((a) => a.led)).toEqual(expect.arrayContaining(['listening', 'recording', 'thinking', 'error', 'needs-setup', 'muted']));
  });

  it("meters the microphone from the chunks the control hears (the console's meter)", () => {
    const control = new ServiceControl({ clock: new MonotonicClock(), say: async () => undefined });
    expect(control.micLevel().rmsDb).toBe(-96);
    const pcm = Buffer.alloc(3200);
    for (let i = 0; i < 1600; i++) pcm.writeInt16LE(Math.round(10000 * Math.sin(i / 3)), i * 2);
    control.hear({ pcm, t: 0 });
    expect(control.micLevel().rmsDb).toBeCloseTo(20 * Math.log10(10000 / Math.SQRT2 / 32768), 0);
    expect(control.micLevel().peakDb).toBeGreaterThan(-11);
  });
});
