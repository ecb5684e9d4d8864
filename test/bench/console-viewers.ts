/**
 * Light console viewers for the console bench, in their own process (their work must not count as the
 * server's): each opens the event stream and, as the live page does, fetches the camera picture each `frame`
 * event names, one at a time. `node console-viewers.js BASE COOKIE N`; prints "ready" once all are connected;
 * runs until killed.
 */
async function viewer(base: string, cookie: string, onOpen: () => void): Promise<void> {
  const res = await fetch(`${base}/events`, { headers: { cookie } });
  if (res.status !== 200) throw new Error(`events: HTTP ${res.status}`);
  onOpen();
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  let loading = false;
  let wanted: string | undefined;
  const fetchFrame = async (i: string): Promise<void> => {
    if (loading) {
      wanted = i;
      return;
    }
    loading = true;
    const r = await fetch(`${base}/live/frame.jpg?i=${i}`, { headers: { cookie } });
    await r.arrayBuffer();
    loading = false;
    if (wanted !== undefined) {
      const w = wanted;
      wanted = undefined;
      await fetchFrame(w);
    }
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      const m = /^event: frame\ndata: (\d+)/.exec(block);
      if (m) void fetchFrame(m[1]!);
    }
  }
}

const [base, cookie, n] = process.argv.slice(2);
let open = 0;
for (let i = 0; i < Number(n); i++) {
  viewer(base!, cookie!, () => {
    if (++open === Number(n)) process.stdout.write('ready\n');
  }).catch((e: Error) => {
    process.stderr.write(`viewer: ${e.message}\n`);
    process.exit(1);
  });
}
