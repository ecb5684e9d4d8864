import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAssistantSide } from '../../src/app/thread-manager-factory';
import { DEFAULT_CONFIG } from '../../src/config/config';
import { LogIndicator } from '../../src/indicator/indicator';
import { createLogger } from '../../src/log';
import { WavFileSpeaker } from '../../src/speech/wav-file-speaker';
import { startFakeOpenAI } from '../fake-openai/server';
import { mjpegFrames } from '../support/jpeg';

describe('the assistant side as the composition root builds it', () => {
  it('a new conversation deletes the old one\'s uploaded files (the sender calls the janitor given at construction)', async () => {
    const fake = await startFakeOpenAI();
    try {
      const dir = mkdtempSync(join(tmpdir(), 'snapask-side-'));
      const log = createLogger({ level: 'silent' });
      const config = { ...DEFAULT_CONFIG, openai: { ...DEFAULT_CONFIG.openai, baseURL: fake.url }, stateDir: join(dir, 'state') };
      const side = createAssistantSide(config, {}, log, { speaker: new WavFileSpeaker(join(dir, 'out')), indicator: new LogIndicator(log), emit: () => undefined });
      const { fileId } = await side.threads.uploadImage(mjpegFrames(1, '32x24'), 'p.jpg');
      await side.ledger.add(fileId, Date.now());
      expect([...fake.files.keys()]).toEqual([fileId]);
      await side.sender.newConversation();
      expect([...fake.files.keys()]).toEqual([]);
      expect(await side.ledger.list()).toEqual([]);
      expect(fake.violations).toEqual([]);
      await side.sender.stop();
    } finally {
      await fake.close();
    }
  });
});
