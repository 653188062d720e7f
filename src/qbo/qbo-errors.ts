import { FailWindowError, HaltRunError, RetryRequestError } from '../model/errors/index.js';

/**
 * Errors of a QBO API call, each extending the base class of its outcome (what should happen
 * next), and the one table ({@link errorForResponse}) that maps an HTTP outcome to them. The QBO
 * client repeats the retry-request ones, as their {@link RequestRetry} says; the window acts on
 * the rest.
 */

/** How the client repeats a request whose outcome is `retry-request`. */
export type RequestRetry =
  /** 429: wait, longer each time; does not count as an attempt (the request was never processed). */
  | 'throttle'
  /** 5xx, timeouts, dropped or truncated responses: exponential backoff, a bounded number of attempts. */
  | 'backoff'
  /** 401: refresh the access token once, then repeat the request. */
  | 'refresh';

export interface QboErrorDetails {
  status?: number | undefined;
  /** QBO's fault code (`3200`, `3001`, `4000`, ...). */
  code?: string | undefined;
  /** Intuit's transaction id: support tickets ask for it. */
  intuitTid?: string | undefined;
  cause?: unknown;
}

/** What every QBO API error carries besides its outcome. */
export interface QboError extends Error {
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly intuitTid: string | undefined;
  /** HTTP requests the call took before it gave up (set by the client): a failed call costs too. */
  requests: number;
}

// A mixin's constructor must take `any[]` (TypeScript's rule); the class it returns is typed below.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type OutcomeBase = abstract new (...args: any[]) => Error;

/** A QBO error class of `Base`'s outcome: (message, details), Intuit's transaction id in the message. */
type QboErrorClass<Base extends OutcomeBase> = abstract new (
  message: string,
  details?: QboErrorDetails,
) => InstanceType<Base> & QboError;

/** `Base` (an outcome's base class) with what a QBO error carries: one class per outcome below. */
function qboErrorOf<Base extends OutcomeBase>(base: Base): QboErrorClass<Base> {
  abstract class WithQboDetails extends base implements QboError {
    readonly status: number | undefined;
    readonly code: string | undefined;
    readonly intuitTid: string | undefined;
    requests = 0;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    constructor(...args: any[]) {
      const [message, details = {}] = args as [string, QboErrorDetails?];
      super(details.intuitTid ? `${message} (intuit_tid ${details.intuitTid})` : message, {
        cause: details.cause,
      });
      this.status = details.status;
      this.code = details.code;
      this.intuitTid = details.intuitTid;
    }
  }
  return WithQboDetails as unknown as QboErrorClass<Base>;
}

const QboRetryRequestError = qboErrorOf(RetryRequestError);
const QboFailWindowError = qboErrorOf(FailWindowError);
const QboHaltRunError = qboErrorOf(HaltRunError);

/** Whether `err` is a QBO API error (of any outcome). */
export function isQboError(err: unknown): err is QboError {
  return (
    err instanceof QboRetryRequestError || err instanceof QboFailWindowError || err instanceof QboHaltRunError
  );
}

/** A request the client repeats itself; when its retries are used up the window tries again later. */
export abstract class QboRetryableError extends QboRetryRequestError {
  abstract readonly retry: RequestRetry;
}

export class QboThrottledError extends QboRetryableError {
  readonly retry = 'throttle';
}
export class QboServerError extends QboRetryableError {
  readonly retry = 'backoff';
}
/** The connection dropped, timed out, or the body arrived cut: nothing says the request failed. */
export class QboNetworkError extends QboRetryableError {
  readonly retry = 'backoff';
}
export class QboUnauthorizedError extends QboRetryableError {
  readonly retry = 'refresh';
}
/** 400 (query parser/validation), 404 and the rest of 4xx: the same request fails again. */
export class QboClientError extends QboFailWindowError {}
/**
 * QBO refused a CDC request's `changedSince` as beyond its look-back (a 400 naming the
 * parameter): sync re-reads those entities whole instead.
 */
export class QboCdcTooOldError extends QboClientError {}
/** 403 3100/3201: the app may not read this company; every request of the realm fails alike. */
export class QboAuthorizationError extends QboHaltRunError {}
/** The API URL itself is wrong (malformed, not http(s), unknown host): no retry can help. */
export class QboConfigurationError extends QboHaltRunError {}

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

/** QBO's throttling fault: code 3001 or ThrottleExceeded, whichever the body carries. */
function isThrottleFault(fault: Fault | undefined): boolean {
  if (!fault) return false;
  return fault.code === '3001' || /ThrottleExceeded/i.test(`${fault.type ?? ''} ${fault.message}`);
}

type ErrorClass = new (message: string, details: QboErrorDetails) => QboError;

/** One row of the HTTP table: when it applies, the error it gives, and what the operator should do. */
interface ResponseRow {
  /** `described`: the answer as the error's message says it (status, fault code, message, detail). */
  applies(status: number, fault: Fault | undefined, described: string): boolean;
  error: ErrorClass;
  hint?: (realm: string) => string;
}

/** The one table from an HTTP outcome to an error class; the first row that applies wins. */
export const RESPONSE_TABLE: readonly ResponseRow[] = [
  { applies: (status) => status === 429, error: QboThrottledError },
  // Throttling has also been seen as a 403 whose body says ThrottleExceeded: it is still a wait.
  { applies: (status, fault) => status === 403 && isThrottleFault(fault), error: QboThrottledError },
  { applies: (status) => status === 401, error: QboUnauthorizedError },
  {
    applies: (status, fault) => status === 403 && fault?.code === '3100',
    error: QboAuthorizationError,
    hint: () =>
      'the app is not authorized: most often a sandbox token used against production or the reverse ' +
      '(check QBO_ENVIRONMENT and QBO_BASE_URL), or a missing scope',
  },
  {
    applies: (status, fault) => status === 403 && fault?.code === '3201',
    error: QboAuthorizationError,
    hint: (realm) =>
      `the app is not authorized for company ${realm}: reconnect the app to it and store its refresh ` +
      `token with: qbo-backfill auth set --realm ${realm}`,
  },
  // 408 and 5xx are the server's trouble, not the request's: the same request can succeed later.
  { applies: (status) => status === 408 || status >= 500, error: QboServerError },
  // CDC refuses a changedSince beyond its look-back with a 400 that names the parameter.
  { applies: (_status, _fault, described) => /changedSince/i.test(described), error: QboCdcTooOldError },
  { applies: () => true, error: QboClientError },
];

/** The error of a non-200 answer, from {@link RESPONSE_TABLE}. */
export function errorForResponse(
  status: number,
  body: string,
  intuitTid: string | undefined,
  realmId: string,
): QboError {
  const fault = parseFault(body);
  const details: QboErrorDetails = { status, code: fault?.code, intuitTid };
  const message = describe(status, fault, body);
  const row = RESPONSE_TABLE.find((r) => r.applies(status, fault, message)) as ResponseRow;
  return new row.error(row.hint ? `${message}: ${row.hint(realmId)}` : message, details);
}
