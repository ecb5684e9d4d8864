import type { CalibrationResult } from './calibration-fit';

/** What calibration measured, one line per word and one for the room: `snapask calibrate` prints them, the setup page shows them. */
export function calibrationReport(r: CalibrationResult): string[] {
  const lines = r.words.map((w) => {
    const bank = w.bankFalseClips[1] <= w.bankFalseClips[0] ? 'no more false alarms than before' : 'MORE FALSE ALARMS';
    return `"${w.word}": heard in ${w.heardAfter ?? '?'} of ${w.takes} (your takes, alone and after a sentence) after calibration, each judged by a calibration fitted without it; ${w.heardBefore} before; threshold ${w.threshold.toFixed(3)} (shipped ${w.shippedThreshold}); on the shipped speech set ${bank} (${w.bankFalseClips[1]} clips, ${w.bankFalseClips[0]} before).`;
  });
  lines.push(`The room: ${r.roomFalseAlarms[1]} false alarms in ${r.roomSeconds.toFixed(0)} s after calibration, ${r.roomFalseAlarms[0]} before.`);
  return lines;
}
