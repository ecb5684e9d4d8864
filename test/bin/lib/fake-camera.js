// Shared by the fake cameras in test/bin (rpicam-vid, rpicam-still,
// libcamera-still), test/bin-legacy (libcamera-vid) and test/bin-v4l2 (ffmpeg).
// Frames come in turn (looping) from $FAKE_CAMERA_MJPEG; each one's capture
// time on CLOCK_MONOTONIC (taken just before it is written) is appended to
// $FAKE_CAMERA_LOG as "n seconds", so a test can tell which frame was in
// front of the lens at any instant.
//
// Faults, for the fault tests:
//   FAKE_CAMERA_FAIL=1          exit 1 at start with the real tool's message
//   FAKE_CAMERA_EXIT_AFTER=N    exit 1 after N frames
//   FAKE_CAMERA_STALL_AFTER=N   stop writing after N frames, stay alive, ignore SIGTERM (a hung driver)
//   FAKE_CAMERA_FAULT_RUNS=K    apply EXIT_AFTER/STALL_AFTER only to the first K runs (counted in $FAKE_CAMERA_STARTS)
//   FAKE_CAMERA_STARTS=FILE     one line appended per start
'use strict';
const fs = require('node:fs');

const now = () => Number(process.hrtime.bigint()) / 1e9;

function options(args) {
  const opt = (...names) => {
    for (const name of names) {
      const i = args.indexOf(name);
      if (i >= 0) return args[i + 1];
    }
    return undefined;
  };
  const flag = (...names) => names.some((n) => args.includes(n));
  return { opt, flag };
}

function loadFrames() {
  const data = fs.readFileSync(process.env.FAKE_CAMERA_MJPEG);
  const frames = [];
  for (let i = data.indexOf(Buffer.from([0xff, 0xd8, 0xff])); i >= 0; ) {
    const end = data.indexOf(Buffer.from([0xff, 0xd9]), i);
    if (end < 0) break;
    frames.push(data.subarray(i, end + 2));
    i = data.indexOf(Buffer.from([0xff, 0xd8, 0xff]), end + 2);
  }
  if (!frames.length) {
    process.stderr.write(`fake camera: no JPEG in ${process.env.FAKE_CAMERA_MJPEG}\n`);
    process.exit(2);
  }
  return frames;
}

/** Counts this start; returns whether this run should show the configured faults. */
function startRun() {
  let runs = 0;
  if (process.env.FAKE_CAMERA_STARTS) {
    fs.appendFileSync(process.env.FAKE_CAMERA_STARTS, `${process.pid} ${now().toFixed(6)}\n`);
    runs = fs.readFileSync(process.env.FAKE_CAMERA_STARTS, 'utf8').trim().split('\n').length;
  }
  const limit = Number(process.env.FAKE_CAMERA_FAULT_RUNS || Infinity);
  return runs <= limit;
}

function failIfAsked(message) {
  if (process.env.FAKE_CAMERA_FAIL) {
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }
}

/** Logs a frame's capture time and returns it. */
function logger() {
  const fd = process.env.FAKE_CAMERA_LOG ? fs.openSync(process.env.FAKE_CAMERA_LOG, 'a') : undefined;
  return (n, t) => {
    if (fd !== undefined) fs.writeSync(fd, `${n} ${t.toFixed(6)}\n`);
  };
}

/**
 * Streams MJPEG to stdout at `fps`, on an absolute schedule (no drift), with the
 * configured faults; with `ptsFile`, each frame's time as rpicam-vid --save-pts
 * writes it; with `framecrcFd`, each frame as ffmpeg's framecrc muxer reports it
 * (pts in microseconds on CLOCK_MONOTONIC, as with -copyts from V4L2).
 */
function streamMjpeg(fps, ptsFile, framecrcFd) {
  const faulty = startRun();
  const frames = loadFrames();
  const log = logger();
  const exitAfter = faulty && process.env.FAKE_CAMERA_EXIT_AFTER ? Number(process.env.FAKE_CAMERA_EXIT_AFTER) : Infinity;
  const stallAfter = faulty && process.env.FAKE_CAMERA_STALL_AFTER ? Number(process.env.FAKE_CAMERA_STALL_AFTER) : Infinity;
  const pts = ptsFile ? fs.openSync(ptsFile, 'w') : undefined;
  if (pts !== undefined) fs.writeSync(pts, '# timecode format v2\n');
  if (framecrcFd !== undefined) fs.writeSync(framecrcFd, '#software: Lavf59.27.100\n#tb 0: 1/1000000\n#media_type 0: video\n#codec_id 0: mjpeg\n');
  const t0 = now();
  let first;
  let n = 0;
  let stalled = false;
  function tick() {
    if (n >= exitAfter) {
      process.stderr.write('ERROR: *** camera frontend has timed out! ***\n');
      process.exit(1);
    }
    if (n >= stallAfter) {
      stalled = true;
      setInterval(() => {}, 1000); // alive, silent
      return;
    }
    const jpeg = frames[n % frames.length];
    const t = now();
    log(n, t);
    process.stdout.write(jpeg);
    first ??= t;
    if (pts !== undefined) fs.writeSync(pts, `${((t - first) * 1000).toFixed(3)}\n`);
    if (framecrcFd !== undefined) {
      const us = Math.round(t * 1e6);
      fs.writeSync(framecrcFd, `0, ${String(us).padStart(10)}, ${String(us).padStart(10)},    66666, ${String(jpeg.length).padStart(8)}, 0x00000000\n`);
    }
    n++;
    setTimeout(tick, Math.max(0, (t0 + n / fps - now()) * 1000));
  }
  process.stdout.on('error', () => process.exit(0));
  process.on('SIGTERM', () => {
    if (!stalled) process.exit(0);
  });
  tick();
}

module.exports = { now, options, loadFrames, startRun, failIfAsked, logger, streamMjpeg };
