import { SessionOpener } from '../../src/assistant/session-opener';
import { AssistantError } from '../../src/assistant/thread-manager';

describe('SessionOpener', () => {
  it('opens once for every caller, opens afresh after a failure (thrown as described) and after forget', async () => {
    let opens = 0;
    let fail = true;
    const opener = new SessionOpener(
      async () => {
        opens++;
        await new Promise((r) => setTimeout(r, 10));
        if (fail) throw new Error('socket hang up');
        return `conv_${opens}`;
      },
      (e) => new AssistantError(`opening the conversation: ${(e as Error).message}`, 'retry'),
    );
    const failed = await Promise.all([opener.get(), opener.get()].map((p) => p.catch((e: unknown) => e)));
    expect(opens).toBe(1);
    for (const e of failed) expect(e).toMatchObject({ name: 'AssistantError', message: 'opening the conversation: socket hang up', kind: 'retry' });

    fail = false;
    expect(await Promise.all([opener.get(), opener.get()])).toEqual(['conv_2', 'conv_2']);
    expect(await opener.get()).toBe('conv_2');
    expect(opens).toBe(2);

    opener.forget();
    expect(await opener.get()).toBe('conv_3');
  });
});
