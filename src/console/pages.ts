import type { DeviceActivity } from './console-devices';
import type { HistoryEntry } from './history-store';

/** Text into HTML: every value from outside goes through this. */
export function esc(v: unknown): string {
  return String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// htmx under a strict Content-Security-Policy: no eval, no inline styles or scripts of its own.
const HTMX_CONFIG = JSON.stringify({ allowEval: false, allowScriptTags: false, includeIndicatorStyles: false, selfRequestsOnly: true, historyCacheSize: 0 });

type Tab = 'live' | 'history' | 'setup';

/** A whole page; `csrf` goes to htmx's request headers and the plain forms. */
export function page(o: { title: string; tab?: Tab; csrf?: string; body: string }): string {
  const nav = o.tab
    ? `<nav>${(['live', 'history', 'setup'] as Tab[])
        .map((t) => `<a href="${t === 'live' ? '/' : `/${t}`}"${t === o.tab ? ' aria-current="page"' : ''}>${t[0]!.toUpperCase()}${t.slice(1)}</a>`)
        .join('')}<form method="post" action="/signout"><input type="hidden" name="_csrf" value="${esc(o.csrf ?? '')}"><button>Sign out</button></form></nav>`
    : '';
  const headers = o.csrf ? ` hx-headers="${esc(JSON.stringify({ 'X-CSRF-Token': o.csrf }))}"` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content="${esc(HTMX_CONFIG)}">
<title>${esc(o.title)} - snapask</title>
<link rel="stylesheet" href="/static/console.css">
${o.csrf ? '<script src="/static/htmx.min.js" defer></script><script src="/static/console.js" defer></script>' : ''}
</head><body${headers}>
<header><h1>snapask</h1>${nav}</header>
<main>${o.body}</main>
</body></html>`;
}

export function pairPage(o: { password: boolean; message?: string }): string {
  const what = o.password ? 'the console password' : 'the code the device says (or <code>sudo snapask console code</code> prints)';
  return page({
    title: 'Pair',
    body: `<section><h2>Pair this browser</h2>
<p>Enter ${what}.</p>
${o.message ? `<p class="problem" role="alert">${esc(o.message)}</p>` : ''}
<form method="post" action="/pair">
<input name="code" ${o.password ? 'type="password"' : 'inputmode="numeric" autocomplete="one-time-code"'} required maxlength="200" aria-label="code">
<button>Pair</button></form>
${o.password ? '' : '<form method="post" action="/pair/say"><button>Say the code aloud</button></form>'}
</section>`,
  });
}

export function notPairedPage(): string {
  return page({ title: 'Not paired', body: '<section><h2>Not paired</h2><p><a href="/pair">Pair this browser</a> first.</p></section>' });
}

export function activityFragment(a: DeviceActivity): string {
  return `<p><span class="led led-${esc(a.led)}" id="led">${esc(a.led)}</span> <span id="doing">${esc(a.doing)}</span></p>`;
}

export function livePage(o: { csrf: string; activity: DeviceActivity; camera: boolean; last?: HistoryEntry }): string {
  const cam = o.camera
    ? '<img id="cam" src="/live/frame.jpg" alt="the camera\'s view" width="640" height="360">'
    : o.activity.camera === 'stills only'
      ? '<p id="camnote" class="quiet">The still camera takes a picture only when asked: no live view.</p>'
      : '<p id="camnote" class="problem">No camera: the live view is off (the device runs voice only).</p>';
  return page({
    title: 'Live',
    tab: 'live',
    csrf: o.csrf,
    body: `<section id="live"><h2>Live</h2>
<figure>${cam}</figure>
<div id="activity">${activityFragment(o.activity)}</div>
<p><label for="level">Microphone</label> <meter id="level" min="-96" max="0" low="-60" high="-3" optimum="-30" value="-96"></meter></p>
<p id="levels">level - dB, noise floor - dB, clipping 0</p>
</section>
<section id="ask"><h2>Ask</h2>
<form hx-post="/ask" hx-target="#asked" hx-swap="innerHTML">
<input name="text" required maxlength="500" placeholder="Type a question" aria-label="question">
<label><input type="checkbox" name="snapshot" value="1"${o.activity.camera === 'none' ? ' disabled' : ''}> with a picture from the camera</label>
<button>Ask</button></form>
<p id="asked"></p>
<div id="last">${lastFragment(o.last)}</div>
</section>`,
  });
}

export function lastFragment(e: HistoryEntry | undefined): string {
  if (!e) return '<p class="quiet">No question yet.</p>';
  return `<p><strong>Q:</strong> <span id="last-q">${esc(e.text || '(no words)')}</span></p><p><strong>A:</strong> <span id="last-a">${esc(e.answer ?? (e.state === 'answered' ? '' : '...'))}</span></p>`;
}

function when(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

function timings(t: HistoryEntry['timings']): string {
  const parts = [
    t.keywordToCaptureMs?.length ? `keyword to capture ${t.keywordToCaptureMs.map((v) => v.toFixed(1)).join(', ')} ms` : '',
    t.replyToRequestMs !== undefined ? `reply to request ${Math.round(t.replyToRequestMs)} ms` : '',
    t.firstTokenMs !== undefined ? `first token ${Math.round(t.firstTokenMs)} ms` : '',
    t.firstAudioMs !== undefined ? `first audio ${Math.round(t.firstAudioMs)} ms` : '',
  ].filter(Boolean);
  return parts.length ? `<p class="timings">${esc(parts.join(' · '))}</p>` : '';
}

export function historyEntryFragment(e: HistoryEntry, pictureExists: (n: number) => boolean): string {
  const pics = e.pictures
    .map((p) =>
      pictureExists(p.n)
        ? `<a href="/pictures/${esc(e.id)}/${p.n}"><img src="/pictures/${esc(e.id)}/${p.n}/thumb" alt="picture ${p.n}" width="160" height="90" loading="lazy"></a>`
        : `<span class="problem">picture ${p.n} is missing (deleted on the device)</span>`,
    )
    .join('');
  const actions = e.actions.map((a) => `<li>${esc(a.name)}(${esc(a.arguments)}) → ${esc(a.output)}</li>`).join('');
  return `<article class="entry" id="${esc(e.id)}">
<p class="meta">${esc(when(e.at))} · ${e.from === 'page' ? 'typed' : 'spoken'} · ${esc(e.state)}</p>
<p class="q">${esc(e.text || '(no words)')}</p>
${pics ? `<div class="pics">${pics}</div>` : ''}
${e.answer !== undefined ? `<p class="a">${esc(e.answer)}</p>` : ''}
${actions ? `<ul class="actions">${actions}</ul>` : ''}
${timings(e.timings)}
${e.errors.map((x) => `<p class="problem">${esc(x)}</p>`).join('')}
</article>`;
}

export function historyPage(o: { csrf: string; entries: string[]; count: number }): string {
  return page({
    title: 'History',
    tab: 'history',
    csrf: o.csrf,
    body: `<section><h2>History <small>(${o.count})</small></h2>
<form hx-post="/history/delete" hx-target="#entries" hx-confirm="Delete every question and picture kept on the device?"><button>Delete all</button></form>
<div id="entries">${o.entries.join('\n') || '<p class="quiet">No questions yet.</p>'}</div></section>`,
  });
}

/** One line of a setup job's progress: a check's result, a prompt, a result, or a problem. */
export interface JobLine {
  /** `start`: a new run (the page clears the old lines; not kept). */
  kind: 'start' | 'ok' | 'failed' | 'skipped' | 'prompt' | 'note' | 'result' | 'problem' | 'done';
  text: string;
}

/** The setup page's long jobs: the checks of snapask doctor, and the command-word calibration. */
export type JobName = 'doctor' | 'calibration';

export interface JobState {
  running: boolean;
  lines: JobLine[];
}

export interface SetupView {
  secrets: Array<{ name: string; label: string; set: boolean; source: string }>;
  settings: Array<{ key: string; label: string; value: string; source: string; choices?: readonly string[] }>;
  doctor: JobState;
  /** `unavailable`: why this device has no calibration; `calibratedOn`: the date of the one in use. */
  calibration: JobState & { unavailable?: string; calibratedOn?: string };
  message?: string;
}

function jobLines(id: string, s: JobState): string {
  return `<ul id="${id}" class="job" aria-live="polite">${s.lines.map((l) => `<li class="job-${esc(l.kind)}">${esc(l.text)}</li>`).join('')}</ul>`;
}

function jobButton(job: string, label: string): string {
  return `<form hx-post="/setup/${job}" hx-target="#${job}-status" hx-swap="innerHTML" class="row"><button id="start-${job}">${label}</button> <span id="${job}-status" role="status"></span></form>`;
}

export function setupPage(o: { csrf: string; view: SetupView }): string {
  const secrets = o.view.secrets
    .map(
      (s) => `<form method="post" action="/setup/secret" class="row">
<input type="hidden" name="_csrf" value="${esc(o.csrf)}"><input type="hidden" name="name" value="${esc(s.name)}">
<label>${esc(s.label)}: <span class="state" id="state-${esc(s.name)}">${s.set ? 'set' : 'not set'}</span>${s.set ? ` <small>(${esc(s.source)})</small>` : ''}
<input name="value" type="password" autocomplete="off" maxlength="500" required aria-label="${esc(s.label)}"></label><button>Set</button></form>`,
    )
    .join('\n');
  const settings = o.view.settings
    .map((s) => {
      const input = s.choices
        ? `<select name="value" aria-label="${esc(s.label)}">${s.choices.map((c) => `<option${c === s.value ? ' selected' : ''}>${esc(c)}</option>`).join('')}</select>`
        : `<input name="value" value="${esc(s.value)}" maxlength="64" required aria-label="${esc(s.label)}">`;
      return `<form method="post" action="/setup/setting" class="row"><input type="hidden" name="_csrf" value="${esc(o.csrf)}"><input type="hidden" name="key" value="${esc(s.key)}">
<label>${esc(s.label)} ${input} <small id="source-${esc(s.key)}">from: ${esc(s.source)}</small></label><button>Save</button></form>`;
    })
    .join('\n');
  return page({
    title: 'Setup',
    tab: 'setup',
    csrf: o.csrf,
    body: `<section><h2>Setup</h2>${o.view.message ? `<p class="note" role="status">${esc(o.view.message)}</p>` : ''}
<h3>Secrets</h3><p class="quiet">Written to the service's own secrets file and used at once; never shown again.</p>
${secrets}
<h3>Assistant</h3><p class="quiet">Saved on the device and used at once: the model and the picture detail from the next question, the voice from the next sentence. A value the service's environment sets wins over this page.</p>
${settings}
<h3>Checks</h3><p class="quiet">The checks of <code>snapask doctor</code>, through the running service: it says a test phrase, lights the LEDs in turn and waits 10 s for the button.</p>
${jobButton('doctor', 'Run the checks')}
${jobLines('doctor', o.view.doctor)}
<h3>Command words</h3>
${
  o.view.calibration.unavailable
    ? `<p class="quiet" id="calibration-none">${esc(o.view.calibration.unavailable)}</p>`
    : `<p class="quiet">Calibration fits the command words to your voice and this room (about 3 minutes): the device asks for quiet, three sentences and each word five times. ${o.view.calibration.calibratedOn ? `In use: the calibration of ${esc(o.view.calibration.calibratedOn)}.` : 'Not calibrated yet.'} A new one is used from the service's next start.</p>
${jobButton('calibration', 'Calibrate')}
${jobLines('calibration', o.view.calibration)}`
}
</section>`,
  });
}
