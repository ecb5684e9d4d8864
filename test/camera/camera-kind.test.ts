import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chooseCameraKind } from '../../src/camera/camera-kind';
import { createFrameSource } from '../../src/camera/create-frame-source';
import { ProcessFrameSource } from '../../src/camera/process-frame-source';
import { VirtualClock } from '../../src/clock';
import { DEFAULT_CONFIG } from '../../src/config/config';

const BIN = resolve(__dirname, '../../../test/bin');
const LEGACY = resolve(__dirname, '../../../test/bin-legacy');
const dir = mkdtempSync(join(tmpdir(), 'snapask-camkind-'));
const webcam = join(dir, 'video0');
writeFileSync(webcam, '');
const missing = join(dir, 'video9');
// A PATH with node (the fakes are node scripts) and nothing else.
const nodeOnly = join(dir, 'node-only');
require('node:fs').mkdirSync(nodeOnly);
symlinkSync(process.execPath, join(nodeOnly, 'node'));

describe('camera.kind auto', () => {
  it('takes the Pi camera when the rpicam tool lists one, by either name', async () => {
    expect((await chooseCameraKind(missing, { PATH: `${BIN}:${nodeOnly}` })).kind).toBe('rpicam');
    const legacy = await chooseCameraKind(missing, { PATH: `${LEGACY}:${nodeOnly}` });
    expect(legacy).toMatchObject({ kind: 'rpicam', why: expect.stringContaining('imx708') });
  });

  it('takes the webcam when the tool lists no camera, and says why', async () => {
    const c = await chooseCameraKind(webcam, { PATH: `${BIN}:${nodeOnly}`, FAKE_CAMERA_FAIL: '1' });
    expect(c).toEqual({ kind: 'v4l2', why: `rpicam-vid lists no camera; ${webcam} exists` });
  });

  it('takes the webcam on a machine without the Pi tools, none without a webcam either', async () => {
    expect((await chooseCameraKind(webcam, { PATH: nodeOnly })).kind).toBe('v4l2');
    const none = await chooseCameraKind(missing, { PATH: nodeOnly });
    expect(none.kind).toBe('none');
    expect(none.why).toContain('voice only');
  });

  it('builds the chosen source and reports the choice', async () => {
    const choices: string[] = [];
    const deps = { clock: new VirtualClock(), onChoice: (c: { kind: string }) => choices.push(c.kind) };
    const cam = { ...DEFAULT_CONFIG.camera, kind: 'auto' as const };
    expect(await createFrameSource({ ...cam, device: webcam }, { ...deps, env: { PATH: nodeOnly } })).toBeInstanceOf(ProcessFrameSource);
    expect(await createFrameSource({ ...cam, device: missing }, { ...deps, env: { PATH: nodeOnly } })).toBeUndefined();
    expect(choices).toEqual(['v4l2', 'none']);
  });
});
