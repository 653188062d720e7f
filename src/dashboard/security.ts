/**
 * What keeps the dashboard safe to open in a browser: security headers on every response, and no
 * write accepted from another site. Basic authentication alone does not stop a cross-site write:
 * a browser resends the login to the dashboard with any request another site makes it send.
 */
import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from '../infra/logger.js';

/** Methods that change nothing, so may come from anywhere (a link, a bookmark, another site). */
const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** `Sec-Fetch-Site` values of a request the dashboard's own pages (or the person typing) made. */
const OWN_SITE = new Set(['same-origin', 'none']);

/** The CSP source of an inline script the dashboard's own pages carry (its SHA-256). */
export function scriptHash(script: string): string {
  return `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`;
}

export interface SecurityHeaderOptions {
  /** Inline scripts of the dashboard's pages, allowed by their hash (nothing else inline runs). */
  inlineScripts: string[];
  /**
   * Where forms may lead: the connect button's POST is answered with a redirect to Intuit's (or
   * the emulator's) authorize page, and browsers hold a form's redirects to `form-action` too.
   */
  formTargets: string[];
}

/**
 * Helmet's headers, tightened: the dashboard may not be framed (its buttons retry and delete
 * jobs), scripts run only from the dashboard itself, fonts and styles never come from another
 * host. Inline styles stay allowed: Bull Board's page and its theme use them, and a style cannot
 * act. No `upgrade-insecure-requests` and no HSTS: the dashboard is often served over plain http
 * on a loopback address, and HSTS belongs to the TLS proxy in front of it when there is one.
 */
export function securityHeaders(options: SecurityHeaderOptions): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        scriptSrc: ["'self'", ...options.inlineScripts.map(scriptHash)],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'", ...options.formTargets],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
  });
}

/** Whether `origin` (an `Origin` header) names the host the request was sent to. */
function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * 403 to every request but GET and HEAD that a browser sent from another site. `Sec-Fetch-Site`
 * says so where the browser sends it (every current one); otherwise an `Origin` that is not this
 * host does (`null` included: sandboxed frames, opaque redirects). A request with neither came
 * from no browser (curl, a script): the login is what it needs.
 */
export function refuseCrossSite(log: Logger): RequestHandler {
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const site = req.get('sec-fetch-site');
    const origin = req.get('origin');
    const crossSite =
      site !== undefined ? !OWN_SITE.has(site) : origin !== undefined && !sameHost(origin, req.get('host'));
    if (!crossSite) return next();
    log.warn(
      { method: req.method, path: req.path, origin, secFetchSite: site, ip: req.ip },
      'dashboard refused a cross-site request',
    );
    res
      .status(403)
      .set('Cache-Control', 'no-store')
      .type('text/plain')
      .send('cross-site request refused: the dashboard takes changes only from its own pages\n');
  };
}
