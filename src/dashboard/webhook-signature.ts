import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header Intuit signs every webhook delivery with. */
export const SIGNATURE_HEADER = 'intuit-signature';

/** Intuit's signature of a body: base64 of HMAC-SHA256 over the raw bytes, keyed with the app's verifier token. */
export function signWebhookBody(body: Buffer | string, verifierToken: string): string {
  return createHmac('sha256', verifierToken).update(body).digest('base64');
}

export type SignatureCheck = 'ok' | 'missing' | 'mismatch';

/**
 * Checks a delivery's `intuit-signature` against its raw body. The base64 texts are compared as
 * bytes in constant time; a header of another length cannot match and is refused before
 * `timingSafeEqual` (which needs equal lengths), which reveals only the length of a signature,
 * and every signature of SHA-256 has the same one (44 characters).
 */
export function checkWebhookSignature(
  body: Buffer,
  header: string | string[] | undefined,
  verifierToken: string,
): SignatureCheck {
  if (header === undefined || header === '') return 'missing';
  // Several headers of the name: not what Intuit sends, and ambiguous which one to trust.
  if (Array.isArray(header)) return 'mismatch';
  const expected = Buffer.from(signWebhookBody(body, verifierToken), 'utf8');
  const given = Buffer.from(header.trim(), 'utf8');
  if (given.length !== expected.length) return 'mismatch';
  return timingSafeEqual(given, expected) ? 'ok' : 'mismatch';
}
