import { PNG } from 'pngjs';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A PNG as a viewer would take it: the 8-byte signature, IHDR as the first chunk with its width and
 * height, and the whole image decodes (pngjs checks every chunk's CRC and inflates the pixels) to
 * those dimensions. Throws with what is wrong.
 */
export function readPng(bytes: Buffer): { width: number; height: number; pixels: Buffer } {
  if (!bytes.subarray(0, 8).equals(SIGNATURE))
    throw new Error(`not a PNG signature: ${bytes.subarray(0, 8).toString('hex')}`);
  if (bytes.subarray(12, 16).toString('latin1') !== 'IHDR') throw new Error('the first chunk is not IHDR');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const decoded = PNG.sync.read(bytes);
  if (decoded.width !== width || decoded.height !== height)
    throw new Error(`IHDR says ${width}×${height}, the image decodes to ${decoded.width}×${decoded.height}`);
  return { width, height, pixels: decoded.data };
}
