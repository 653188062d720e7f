import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

/** The realm browsers show in their login prompt. */
export const AUTH_REALM = 'qbo-backfill';

/** The one dashboard login, from `DASHBOARD_USER` / `DASHBOARD_PASSWORD`. */
export interface Credentials {
  user: string;
  password: string;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Parses an `Authorization: Basic …` header. The password may itself contain `:`, so only the
 * first one separates it from the user name (RFC 7617).
 */
export function parseBasicAuth(header: string | undefined): Credentials | undefined {
  const match = header === undefined ? null : /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * HTTP Basic authentication against one user. Both sides are hashed first so that
 * `timingSafeEqual` compares equal-length buffers and the time taken reveals neither the length
 * nor the content of the expected values; user and password are always both compared for the
 * same reason.
 */
export function basicAuth(expected: Credentials): RequestHandler {
  const user = digest(expected.user);
  const password = digest(expected.password);
  return (req, res, next) => {
    const given = parseBasicAuth(req.headers.authorization);
    if (given) {
      const userOk = timingSafeEqual(digest(given.user), user);
      const passwordOk = timingSafeEqual(digest(given.password), password);
      if (userOk && passwordOk) {
        next();
        return;
      }
    }
    res
      .status(401)
      .set('WWW-Authenticate', `Basic realm="${AUTH_REALM}", charset="UTF-8"`)
      .set('Cache-Control', 'no-store')
      .type('text/plain')
      .send('authentication required\n');
  };
}
