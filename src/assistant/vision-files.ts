import { createHash } from 'node:crypto';
import type OpenAI from 'openai';
import { toFile } from 'openai';
import { describeApiError } from './api-errors';
import type { UploadedImage } from './thread-manager';

/** The Files API is the same in both dialects: a snapshot goes up with `purpose: "vision"`. */
export async function uploadVisionImage(client: OpenAI, jpeg: Buffer, filename: string): Promise<UploadedImage> {
  const started = performance.now();
  try {
    const file = await client.files.create({ file: await toFile(jpeg, filename, { type: 'image/jpeg' }), purpose: 'vision' });
    return { fileId: file.id, bytes: jpeg.length, sha256: createHash('sha256').update(jpeg).digest('hex'), ms: performance.now() - started };
  } catch (e) {
    throw describeApiError(e, client.baseURL, `uploading ${filename}`);
  }
}

export async function deleteUploadedFile(client: OpenAI, fileId: string): Promise<void> {
  try {
    await client.files.delete(fileId);
  } catch (e) {
    if ((e as { status?: number }).status === 404) return; // already gone: the goal is reached
    throw describeApiError(e, client.baseURL, `deleting file ${fileId}`);
  }
}
