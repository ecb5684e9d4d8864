import OpenAI from 'openai';
import { OpenAISpeechSynth, OPENAI_PCM_RATE } from '../../src/speech/openai-speech-synth';
import { EspeakSynth } from '../../src/speech/espeak-synth';
import { FallbackSynth } from '../../src/speech/speech-synth';
import { startFakeOpenAI, type FakeOpenAI } from '../fake-openai/server';

describe('OpenAI speech endpoint (against the test double) with espeak-ng behind it', () => {
  let fake: FakeOpenAI;
  let client: OpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    client = new OpenAI({ apiKey: 'test', baseURL: fake.url });
  });
  afterAll(() => fake.close());
  afterEach(() => expect(fake.violations).toEqual([]));

  it.each(['pcm', 'wav'] as const)('says a sentence in %s, checked against the spec', async (format) => {
    const synth = new OpenAISpeechSynth({ client, model: 'gpt-4o-mini-tts', voice: 'coral', format, timeoutMs: 5000 });
    const text = 'It is a ripe red apple.';
    const out = await synth.synthesise(text);
    expect(out.rate).toBe(OPENAI_PCM_RATE);
    // The double speaks 60 ms per character.
    expect(out.pcm.length / 2 / out.rate).toBeCloseTo(text.length * 0.06, 2);
    const req = fake.requests.filter((r) => r.operation === 'POST /audio/speech').pop()!;
    expect(req.body).toEqual({ model: 'gpt-4o-mini-tts', voice: 'coral', input: text, response_format: format });
  });

  it('falls back to espeak-ng when the endpoint fails, reporting the streak once', async () => {
    const reasons: string[] = [];
    const synth = new FallbackSynth(
      new OpenAISpeechSynth({ client, model: 'gpt-4o-mini-tts', voice: 'alloy', format: 'pcm', timeoutMs: 5000 }),
      new EspeakSynth(),
      (r) => reasons.push(r),
    );
    fake.inject({ operation: 'POST /audio/speech', status: 500 });
    fake.inject({ operation: 'POST /audio/speech', status: 429 });
    const a = await synth.synthesise('First.');
    const b = await synth.synthesise('Second.');
    const c = await synth.synthesise('Third.');
    expect([a.rate, b.rate, c.rate]).toEqual([22050, 22050, OPENAI_PCM_RATE]);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/^openai gpt-4o-mini-tts alloy failed, speaking with espeak-ng en-us: 500/);
  });
});
