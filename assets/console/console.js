// snapask console: the live and setup pages' server-sent events. Plain script, no build step; it only sets text,
// attributes and an image's address (no HTML from the server is parsed here), so the CSP stays strict.
'use strict';
(function () {
  var live = document.getElementById('live');
  var last = document.getElementById('last');
  var jobs = document.querySelector('ul.job');
  if (!live && !last && !jobs) return;
  var byId = function (id) { return document.getElementById(id); };
  var events = new EventSource('/events');
  events.addEventListener('open', function () { document.body.setAttribute('data-events', 'open'); });
  // The setup page's checks and calibration: each line as it comes, as text.
  events.addEventListener('job', function (e) {
    var l = JSON.parse(e.data);
    var list = byId(l.job);
    if (!list) return;
    if (l.kind === 'start') { list.textContent = ''; return; }
    var li = document.createElement('li');
    li.className = 'job-' + l.kind;
    li.textContent = l.text;
    list.appendChild(li);
  });
  var cam = byId('cam');
  var loading = false;
  var wanted = null;
  function showFrame(index) {
    if (!cam) return;
    if (index === 'none') {
      cam.alt = 'no picture from the camera';
      cam.classList.add('stale');
      return;
    }
    cam.classList.remove('stale');
    // One picture at a time: a slow phone skips frames instead of queueing them.
    if (loading) { wanted = index; return; }
    loading = true;
    cam.src = '/live/frame.jpg?i=' + encodeURIComponent(index);
  }
  if (cam) {
    var done = function () {
      loading = false;
      if (wanted !== null) { var w = wanted; wanted = null; showFrame(w); }
    };
    cam.addEventListener('load', done);
    cam.addEventListener('error', done);
  }
  events.addEventListener('frame', function (e) { showFrame(e.data); });
  events.addEventListener('level', function (e) {
    var l = JSON.parse(e.data);
    var meter = byId('level');
    if (meter) meter.value = l.rms;
    var text = byId('levels');
    if (text) {
      text.textContent = 'level ' + l.rms + ' dB, peak ' + l.peak + ' dB, noise floor ' + l.floor + ' dB, clipping ' + l.clipped;
      text.classList.toggle('problem', l.clipped > 0);
    }
  });
  events.addEventListener('activity', function (e) {
    var a = JSON.parse(e.data);
    var led = byId('led');
    if (led) { led.textContent = a.led; led.className = 'led led-' + a.led; }
    var doing = byId('doing');
    if (doing) doing.textContent = a.doing;
  });
  events.addEventListener('history', function (e) {
    var h = JSON.parse(e.data);
    if (!last) return;
    if (!byId('last-q')) {
      last.textContent = '';
      ['Q', 'A'].forEach(function (k) {
        var p = document.createElement('p');
        var b = document.createElement('strong');
        b.textContent = k + ': ';
        var s = document.createElement('span');
        s.id = k === 'Q' ? 'last-q' : 'last-a';
        p.appendChild(b);
        p.appendChild(s);
        last.appendChild(p);
      });
    }
    byId('last-q').textContent = h.text || '(no words)';
    byId('last-a').textContent = h.answer === null ? '...' : h.answer;
  });
})();
