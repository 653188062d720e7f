/**
 * Errors of a QBO API call, each carrying what the caller needs to decide a retry, and the one
 * table ({@link errorForResponse}) that maps an HTTP outcome to them. Retry policy lives with the
 * caller (qbo-client.ts); these classes only say which policy applies.
 */

/** How a failed request may be retried. */
export type RetryPolicy =
  /** 429: wait, longer each time; does not count as an attempt (the request was never processed). */
  | 'throttle'
  /** 5xx, timeouts, dropped or truncated responses: exponential backoff, a bounded number of attempts. */
  | 'backoff'
  /** 401: refresh the access token once, then repeat the request. */
  | 'refresh'
  /** 400 and other client errors: the same request will fail again. */
  | 'never';

export interface QboErrorDetails {
  status?: number | undefined;
  /** QBO's fault code (`3200`, `3001`, `4000`, ...). */
  code?: string | undefined;
  /** Intuit's transaction id: support tickets ask for it. */
  intuitTid?: string | undefined;
  cause?: unknown;
}

export abstract class QboError extends Error {
  abstract readonly retry: RetryPolicy;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly intuitTid: string | undefined;
  constructor(message: string, details: QboErrorDetails = {}) {
    super(details.intuitTid ? `${message} (intuit_tid ${details.intuitTid})` : message, {
      cause: details.cause,
    });
    this.status = details.status;
    this.code = details.code;
    this.intuitTid = details.intuitTid;
  }
}

export class QboThrottledError extends QboError {
  override readonly name = 'QboThrottledError';
  readonly retry = 'throttle' as const;
}
export class QboServerError extends QboError {
  override readonly name = 'QboServerError';
  readonly retry = 'backoff' as const;
}
/** The connection dropped, timed out, or the body arrived cut: nothing says the request failed. */
export class QboNetworkError extends QboError {
  override readonly name = 'QboNetworkError';
  readonly retry = 'backoff' as const;
}
export class QboUnauthorizedError extends QboError {
  override readonly name = 'QboUnauthorizedError';
  readonly retry = 'refresh' as const;
}
/** 400 (query parser/validation), 403, 404 and the rest of 4xx: fail the window at once. */
export class QboClientError extends QboError {
  override readonly name = 'QboClientError';
  readonly retry = 'never' as const;
}

export interface Fault {
  message: string;
  detail?: string | undefined;
  code?: string | undefined;
  type?: string | undefined;
}

type Loose = Record<string, unknown>;
const pick = (o: Loose, ...keys: string[]): unknown => {
  for (const k of keys) if (o[k] !== undefined) return o[k];
  return undefined;
};
const text = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;

/**
 * Reads a QBO fault from a response body. QBO answers `{"Fault":{"Error":[...],"type":...}}`, some
 * real bodies use lower-case keys inside a wider envelope, and 429s have been seen as XML even
 * when JSON was asked for: all three are understood.
 */
export function parseFault(body: string): Fault | undefined {
  const trimmed = body.trim();
  if (trimmed.startsWith('<')) {
    const attr = (name: string) => new RegExp(`${name}="([^"]*)"`, 'i').exec(trimmed)?.[1];
    const tag = (name: string) => new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, 'i').exec(trimmed)?.[1];
    const message = tag('Message');
    if (message === undefined) return undefined;
    return { message, detail: tag('Detail'), code: attr('code'), type: attr('type') };
  }
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  const find = (node: unknown, depth: number): Loose | undefined => {
    if (!node || typeof node !== 'object' || depth > 3) return undefined;
    const fault = pick(node as Loose, 'Fault', 'fault');
    if (fault && typeof fault === 'object') return fault as Loose;
    for (const child of Object.values(node as Loose)) {
      const found = find(child, depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  const fault = find(json, 0);
  if (!fault) return undefined;
  const errors = pick(fault, 'Error', 'error');
  const first = (Array.isArray(errors) ? errors[0] : errors) as Loose | undefined;
  if (!first || typeof first !== 'object') return undefined;
  return {
    message: text(pick(first, 'Message', 'message')) ?? 'unknown fault',
    detail: text(pick(first, 'Detail', 'detail')),
    code: text(pick(first, 'code', 'Code')),
    type: text(pick(fault, 'type', 'Type')),
  };
}

function describe(status: number, fault: Fault | undefined, body: string): string {
  if (!fault) return `HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`;
  const detail = fault.detail && fault.detail !== fault.message ? ` (${fault.detail})` : '';
  return `HTTP ${status} ${fault.code ? `code ${fault.code} ` : ''}${fault.message}${detail}`;
}

/** The one table from an HTTP outcome to an error class. */
export function errorForResponse(status: number, body: string, intuitTid: string | undefined): QboError {
  const fault = parseFault(body);
  const details: QboErrorDetails = { status, code: fault?.code, intuitTid };
  const message = describe(status, fault, body);
  if (status === 429) return new QboThrottledError(message, details);
  if (status === 401) return new QboUnauthorizedError(message, details);
  // 408 and 5xx are the server's trouble, not the request's: the same request can succeed later.
  if (status === 408 || status >= 500) return new QboServerError(message, details);
  return new QboClientError(message, details);
}
