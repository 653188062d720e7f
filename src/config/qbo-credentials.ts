/**
 * The settings that carry QBO credentials or where Intuit sends the user back, checked as Intuit
 * checks them, so a mistake shows at start rather than as 401s or a failed consent later.
 */
import { createHash } from 'node:crypto';
import { ConfigError, read, type Env } from './config-values.js';
import type { QboEnvironmentName } from './qbo-environments.js';

/** Minimum length of `TOKEN_ENCRYPTION_KEY`: 32 characters carry at least 128 bits even as hex. */
export const MIN_ENCRYPTION_KEY_LENGTH = 32;

/** The AES-256 key from the text of `TOKEN_ENCRYPTION_KEY` (validated); undefined when unset. */
export function encryptionKey(raw: string | undefined): Buffer | undefined {
  if (raw === undefined) return undefined;
  if (raw.length < MIN_ENCRYPTION_KEY_LENGTH) {
    throw new ConfigError(
      'TOKEN_ENCRYPTION_KEY',
      `expected at least ${MIN_ENCRYPTION_KEY_LENGTH} characters (e.g. openssl rand -hex 32)`,
    );
  }
  // Any string of enough entropy works; SHA-256 turns it into exactly the 32 bytes AES-256 needs.
  return createHash('sha256').update(raw, 'utf8').digest();
}

/** A host written as an IP address (v4, or v6 in brackets). */
const IP_HOST = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i;

/**
 * `QBO_REDIRECT_URI`, checked as Intuit checks it: it must equal, character for character, a
 * redirect registered in the app, so a query or fragment here is a mistake; Intuit redirects only
 * to https URIs, never to an IP address, and to plain-http `localhost` only for development keys
 * (sandbox). The emulator redirects anywhere.
 */
export function redirectUri(env: Env, environment: QboEnvironmentName): string | undefined {
  const value = read(env, 'QBO_REDIRECT_URI');
  if (value === undefined) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    parsed = undefined;
  }
  if (
    !parsed ||
    !['http:', 'https:'].includes(parsed.protocol) ||
    parsed.search !== '' ||
    parsed.hash !== '' ||
    parsed.username !== '' ||
    parsed.password !== ''
  ) {
    throw new ConfigError(
      'QBO_REDIRECT_URI',
      'expected an absolute http(s) URL without query or fragment, exactly as registered in the Intuit app (e.g. https://dashboard.example.com/oauth/callback)',
    );
  }
  if (environment === 'emulator') return value;
  if (IP_HOST.test(parsed.hostname)) {
    throw new ConfigError(
      'QBO_REDIRECT_URI',
      'expected a host name: Intuit does not redirect to IP addresses (use localhost on a development machine)',
    );
  }
  if (parsed.protocol === 'http:' && !(environment === 'sandbox' && parsed.hostname === 'localhost')) {
    throw new ConfigError(
      'QBO_REDIRECT_URI',
      environment === 'sandbox'
        ? 'expected an https URL: Intuit accepts plain http only for localhost'
        : 'expected an https URL: Intuit redirects production apps to https URIs only',
    );
  }
  return value;
}

/**
 * `QBO_WEBHOOK_VERIFIER_TOKEN`, as the app's _Webhooks_ page shows it. Intuit's tokens hold no
 * whitespace, so one that does was pasted with a stray space or newline: every signature would
 * fail, and the cause would only show as 401s (`_FILE` content is trimmed already).
 */
export function webhookVerifierToken(env: Env): string | undefined {
  const value = read(env, 'QBO_WEBHOOK_VERIFIER_TOKEN');
  if (value !== undefined && /\s/.test(value)) {
    throw new ConfigError(
      'QBO_WEBHOOK_VERIFIER_TOKEN',
      "expected the verifier token exactly as the Intuit app's Webhooks page shows it (no spaces or line breaks)",
    );
  }
  return value;
}
