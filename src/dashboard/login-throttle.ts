/**
 * Wrong passwords from one client are limited: after {@link LOGIN_THROTTLE_DEFAULTS.failures} of
 * them within the window, that client gets 429 until the window ends, and the burst leaves one log
 * line. express-rate-limit does the counting (a fixed window per client address, in this
 * process's memory): it is the well-kept limiter for Express, and one dashboard process is the
 * only place logins are checked, so nothing needs sharing through Redis.
 */
import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Logger } from '../infra/logger.js';

/** Defaults of the login throttle, declared once. */
export const LOGIN_THROTTLE_DEFAULTS = Object.freeze({
  /** Wrong logins a client may send within the window before it gets 429. @defaultValue 20 */
  failures: 20,
  /** The window, in ms. @defaultValue 900000 (15 minutes) */
  windowMs: 15 * 60_000,
});

export interface LoginThrottleOptions {
  log: Logger;
  /** See {@link LOGIN_THROTTLE_DEFAULTS.failures}. */
  failures?: number;
  /** See {@link LOGIN_THROTTLE_DEFAULTS.windowMs}. */
  windowMs?: number;
}

/**
 * What counts against a client: a login that was given and refused, and every request it sends
 * while throttled. A request without credentials is not a guess: it is how every browser asks
 * for the login prompt, so it does not count.
 */
function counted(req: Request, status: number): boolean {
  return status === 429 || (status === 401 && req.headers.authorization !== undefined);
}

/** The throttle, to mount before the login (basic-auth.ts). */
export function loginThrottle(options: LoginThrottleOptions): RequestHandler {
  const failures = options.failures ?? LOGIN_THROTTLE_DEFAULTS.failures;
  const windowMs = options.windowMs ?? LOGIN_THROTTLE_DEFAULTS.windowMs;
  return rateLimit({
    windowMs,
    limit: failures,
    skipSuccessfulRequests: true,
    requestWasSuccessful: (req, res) => !counted(req, res.statusCode),
    standardHeaders: false,
    legacyHeaders: false,
    handler(req, res) {
      const info = (req as Request & { rateLimit?: { used: number; resetTime?: Date } }).rateLimit;
      const retryAfter = Math.max(
        1,
        Math.ceil(((info?.resetTime?.getTime() ?? Date.now()) - Date.now()) / 1000),
      );
      // The first refusal of the burst is logged; the rest of it adds nothing but noise.
      if (info?.used === failures + 1) {
        options.log.warn(
          { ip: req.ip, failures, windowSeconds: windowMs / 1000, retryAfterSeconds: retryAfter },
          'dashboard login throttled: too many wrong logins from one client',
        );
      }
      res
        .status(429)
        .set('Retry-After', String(retryAfter))
        .set('Cache-Control', 'no-store')
        .type('text/plain')
        .send(`too many wrong logins from this address: try again in ${Math.ceil(retryAfter / 60)} min\n`);
    },
  });
}
