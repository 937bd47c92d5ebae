// Worker-thread entry: decodes the first image of a HEIC/HEIF file with libheif compiled to
// WebAssembly (sharp's libvips has no HEVC decoder). The decode is synchronous and takes about a
// second for 12 megapixels, so it runs here rather than on the bridge's event loop, and the
// WebAssembly memory it grows is given back when the worker exits.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

interface DecodedHeic {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

const require = createRequire(import.meta.url);
const decode = require('heic-decode') as (options: { buffer: Uint8Array }) => Promise<DecodedHeic>;

try {
  const image = await decode({ buffer: workerData as Uint8Array });
  const data = image.data.buffer as ArrayBuffer;
  parentPort?.postMessage({ ok: true, width: image.width, height: image.height, data }, [data]);
} catch (error) {
  parentPort?.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
}
