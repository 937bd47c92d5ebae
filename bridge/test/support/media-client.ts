// An app's REST side for photos: multipart uploads and downloads, as the mobile and web apps do them.
import { tokenFor } from './tokens.ts';

export interface UploadResult {
  status: number;
  body: any;
}

/** Posts an image (and any extra form fields) to a booking as this user. */
export async function uploadImage(
  baseUrl: string,
  bookingId: string,
  userId: string,
  image: Buffer,
  fields: Record<string, string> = {},
  filename = 'IMG_0001.jpg',
): Promise<UploadResult> {
  const form = new FormData();
  form.set('image', new Blob([new Uint8Array(image)], { type: 'image/jpeg' }), filename);
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  const response = await fetch(`${baseUrl}/api/v1/bookings/${encodeURIComponent(bookingId)}/images`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await tokenFor(userId)}` },
    body: form,
  });
  return { status: response.status, body: (await response.json()) as any };
}
