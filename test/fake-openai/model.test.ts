import { jpegDimensions } from './jpeg';
import { answerText, chunkText, describeImages, wantsZapier } from './model';
import { makeJpeg, sha256 } from './test-helpers';

describe('the deterministic model', () => {
  test('reads the pixel size from the JPEG frame header', () => {
    expect(jpegDimensions(makeJpeg(64, 48))).toEqual({ width: 64, height: 48 });
    expect(jpegDimensions(Buffer.from('not a jpeg'))).toBeUndefined();
  });

  test('describes each image by size, hash and pixels', () => {
    const jpeg = makeJpeg();
    expect(describeImages([])).toBe('I received 0 images.');
    expect(describeImages([{ fileId: 'f', bytes: jpeg }])).toBe(`I received 1 image. Image 1: ${jpeg.length} bytes, sha256 ${sha256(jpeg)}, 64x48 pixels.`);
    expect(describeImages([{ fileId: 'f', bytes: Buffer.from('xyz') }, { fileId: 'g', bytes: jpeg }])).toMatch(/^I received 2 images\. Image 1: 3 bytes, sha256 [0-9a-f]{64}, not a JPEG\. Image 2: /);
  });

  test('chunks concatenate back to the exact text', () => {
    const text = answerText({ text: 'what  is\tthis?', images: [] }, 'done');
    const chunks = chunkText(text);
    expect(chunks.join('')).toBe(text);
    expect(chunks.length).toBeGreaterThan(2);
  });

  test('calls zapier only when the word appears and the tool is offered', () => {
    expect(wantsZapier({ text: 'Ask ZAPIER to do it', images: [] }, ['zapier'])).toBe(true);
    expect(wantsZapier({ text: 'Ask zapier to do it', images: [] }, [])).toBe(false);
    expect(wantsZapier({ text: 'zapiers are birds', images: [] }, ['zapier'])).toBe(false);
  });
});
