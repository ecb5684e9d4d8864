import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { FileJanitor } from '../../src/assistant/file-janitor';
import { ResponsesThreadManager } from '../../src/assistant/responses-thread-manager';
import { createLogger } from '../../src/log';
import { FileLedger } from '../../src/spool/file-ledger';
import { JsonStateFile } from '../../src/spool/json-state-file';
import { startFakeOpenAI } from '../fake-openai/server';
import { mjpegFrames } from '../support/jpeg';

describe('uploaded files are deleted on OpenAI', () => {
  it('after their age, except files a waiting question needs; all of them on reset; a failed delete is tried again', async () => {
    const fake = await startFakeOpenAI();
    try {
      const dir = mkdtempSync(join(tmpdir(), 'snapask-janitor-'));
      const log = createLogger({ level: 'silent' });
      const threads = new ResponsesThreadManager({
        client: new OpenAI({ apiKey: 't', baseURL: fake.url, maxRetries: 0 }), model: 'm', instructions: '', detail: 'low', log,
        session: new JsonStateFile(join(dir, 's.json')),
      });
      const ledger = new FileLedger(dir);
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push((await threads.uploadImage(mjpegFrames(1, '32x24'), `p${i}.jpg`)).fileId);
      const now = Date.now();
      await ledger.add(ids[0]!, now - 3 * 3600_000);
      await ledger.add(ids[1]!, now - 3 * 3600_000);
      await ledger.add(ids[2]!, now - 60_000);
      await ledger.add(ids[3]!, now - 3 * 3600_000);
      const janitor = new FileJanitor({ ledger, threads, log, maxAgeMs: 2 * 3600_000, inUse: () => [ids[3]!] });

      fake.inject({ operation: 'DELETE /files/{file_id}', status: 500 });
      expect(await janitor.sweep()).toBe(1);
      expect(await janitor.sweep()).toBe(1);
      expect([...fake.files.keys()].sort()).toEqual([ids[2]!, ids[3]!].sort());
      expect((await ledger.list()).map((f) => f.id).sort()).toEqual([ids[2]!, ids[3]!].sort());

      expect(await janitor.deleteAll()).toBe(1);
      expect([...fake.files.keys()]).toEqual([ids[3]!]);
      expect(fake.violations).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});
