// Photos go over REST (a socket frame is capped at 100 kB): multipart POST with the user's JWT.
// XMLHttpRequest where there is one (browsers, React Native) for upload progress; fetch
// elsewhere (Node, Deno, Bun), streaming the body to report progress.
import type { Message } from '../../../bridge/src/protocol/types.ts';
import type { ErrorBody } from '../../../bridge/src/protocol/errors.ts';
import { ChatError } from './chat-error.ts';

/** React Native's FormData takes a file as `{ uri, name, type }` rather than a Blob. */
export interface NativeFile {
  uri: string;
  name: string;
  type: string;
}

export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface ImageUpload {
  endpoint: string;
  token: string;
  image: Blob | NativeFile;
  caption: string | undefined;
  clientId: string;
  filename: string;
  onProgress: ((progress: UploadProgress) => void) | undefined;
}

interface Answer {
  status: number;
  text: string;
}

// The XMLHttpRequest shapes used, declared by hand so the package builds without the DOM library.
interface Xhr {
  status: number;
  responseText: string;
  upload: { onprogress: ((event: { loaded: number; total: number; lengthComputable: boolean }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  ontimeout: (() => void) | null;
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: unknown): void;
}

function form(upload: ImageUpload): FormData {
  const body = new FormData();
  body.set('clientId', upload.clientId);
  if (upload.caption !== undefined) body.set('caption', upload.caption);
  // The file goes last: the server can read the small fields before the big part.
  if (upload.image instanceof Blob) body.set('image', upload.image, upload.filename);
  else (body.append as (name: string, value: unknown) => void)('image', upload.image);
  return body;
}

function viaXhr(Request: new () => Xhr, upload: ImageUpload): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const xhr = new Request();
    xhr.open('POST', upload.endpoint);
    xhr.setRequestHeader('authorization', `Bearer ${upload.token}`);
    const onProgress = upload.onProgress;
    if (onProgress) xhr.upload.onprogress = (event) => event.lengthComputable && onProgress({ loaded: event.loaded, total: event.total });
    xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
    xhr.onerror = xhr.ontimeout = () => reject(new ChatError('offline', 'the upload could not reach the server'));
    xhr.send(form(upload));
  });
}

const CHUNK_BYTES = 64 * 1024;

async function viaFetch(upload: ImageUpload): Promise<Answer> {
  // The multipart body as the runtime encodes it, then handed over in chunks to count progress.
  const encoded = new Response(form(upload));
  const bytes = new Uint8Array(await encoded.arrayBuffer());
  let offset = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + CHUNK_BYTES));
      offset = Math.min(bytes.length, offset + CHUNK_BYTES);
      upload.onProgress?.({ loaded: offset, total: bytes.length });
    },
  });
  try {
    const response = await fetch(upload.endpoint, {
      method: 'POST',
      headers: { authorization: `Bearer ${upload.token}`, 'content-type': encoded.headers.get('content-type')! },
      body,
      // Required by fetch for a streamed request body.
      duplex: 'half',
    } as RequestInit);
    return { status: response.status, text: await response.text() };
  } catch {
    throw new ChatError('offline', 'the upload could not reach the server');
  }
}

/** One upload; resolves with the stored image message, rejects with a ChatError. */
export async function uploadImage(upload: ImageUpload): Promise<Message> {
  const Request = (globalThis as { XMLHttpRequest?: new () => Xhr }).XMLHttpRequest;
  const answer = Request ? await viaXhr(Request, upload) : await viaFetch(upload);
  let parsed: { message?: Message; error?: ErrorBody } | undefined;
  try {
    parsed = JSON.parse(answer.text);
  } catch {
    parsed = undefined;
  }
  if (answer.status === 201 && parsed?.message) return parsed.message;
  if (parsed?.error) throw ChatError.from(parsed.error);
  throw new ChatError(answer.status >= 500 ? 'unavailable' : 'internal', `unexpected answer ${answer.status} to the upload`);
}
