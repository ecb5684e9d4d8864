import { createHash } from 'node:crypto';
import { jpegDimensions } from './jpeg';

/**
 * The deterministic "model": it answers by reporting exactly what it received, so a test can
 * prove that the right question and the right image bytes reached the API.
 */
export interface ImageInput {
  fileId: string;
  bytes: Buffer;
}

export interface Question {
  text: string;
  images: ImageInput[];
}

export const ZAPIER_TOOL = 'zapier';

export function describeImages(images: ImageInput[]): string {
  const parts = [`I received ${images.length} ${images.length === 1 ? 'image' : 'images'}.`];
  images.forEach((img, i) => {
    const sha = createHash('sha256').update(img.bytes).digest('hex');
    const size = jpegDimensions(img.bytes);
    const pixels = size ? `${size.width}x${size.height} pixels` : 'not a JPEG';
    parts.push(`Image ${i + 1}: ${img.bytes.length} bytes, sha256 ${sha}, ${pixels}.`);
  });
  return parts.join(' ');
}

export function answerText(question: Question, toolOutput?: string): string {
  const answer = `You asked: ${JSON.stringify(question.text)}. ${describeImages(question.images)}`;
  return toolOutput === undefined ? answer : `Zapier said: ${toolOutput}. ${answer}`;
}

/** The model calls the zapier tool only when asked about it and when the tool was actually offered. */
export function wantsZapier(question: Question, functionToolNames: readonly string[]): boolean {
  return /\bzapier\b/i.test(question.text) && functionToolNames.includes(ZAPIER_TOOL);
}

export function zapierArguments(question: Question): string {
  return JSON.stringify({ instruction: question.text });
}

/** Splits text into pieces of a few words whose concatenation is exactly the text, so clients see real streaming. */
export function chunkText(text: string, wordsPerChunk = 3): string[] {
  const tokens = text.match(/\S+\s*/g) ?? [];
  const leading = /^\s*/.exec(text)?.[0] ?? '';
  const chunks: string[] = [];
  for (let i = 0; i < tokens.length; i += wordsPerChunk) chunks.push(tokens.slice(i, i + wordsPerChunk).join(''));
  if (chunks.length === 0) return [text];
  chunks[0] = leading + chunks[0];
  return chunks;
}

/** Function tools whose name suggests the client is doing vision itself instead of sending images. */
export function isVisionToolName(name: string): boolean {
  return /vision|image|photo|picture|camera/i.test(name);
}

/** Rough token count for usage fields; only needs to be plausible and deterministic. */
export function tokenEstimate(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
