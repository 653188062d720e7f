/**
 * The dashboard's one answer to what it does not serve and to what failed: a short plain line,
 * never a stack, a database message or a file path, whatever NODE_ENV says (Express's own handler
 * prints the stack unless NODE_ENV=production). The log keeps the details.
 */
import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from '../infra/logger.js';

function plain(res: Response, status: number, line: string): void {
  res.status(status).set('Cache-Control', 'no-store').type('text/plain').send(`${line}\n`);
}

/** 404 for every path no route took. */
export const notFound: RequestHandler = (_req, res) => plain(res, 404, 'Not Found');

/** A client error's status (a path that does not decode, a body too large), or 500. */
export function statusOf(err: unknown): number {
  const status = (err as { status?: unknown; statusCode?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
}

/** The last handler: 4xx as the status's name, anything else 500 and one log line with the error. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    const status = statusOf(err);
    if (status === 500) log.error({ err, method: req.method, path: req.path }, 'dashboard request failed');
    // Half an answer already sent: Express's handler only closes the connection then.
    if (res.headersSent) return next(err);
    plain(
      res,
      status,
      status === 500
        ? "Internal Server Error: the dashboard's log has the details"
        : (STATUS_CODES[status] ?? 'Bad Request'),
    );
  };
}

/**
 * Bull Board's API errors, answered in its own shape but without the stack it adds under
 * NODE_ENV=development; a server error's message (Redis's, say) stays in the log.
 */
export function boardErrorHandler(log: Logger) {
  return (err: Error & { statusCode?: number }) => {
    // The statuses Bull Board's API answers with.
    const status: 400 | 403 | 404 | 405 | 409 | 500 =
      ([400, 403, 404, 405, 409] as const).find((s) => s === err.statusCode) ?? 500;
    if (status === 500) log.error({ err }, 'Bull Board request failed');
    return {
      status,
      body: {
        error: { key: 'ERRORS.INTERNAL_SERVER_ERROR' },
        message: status === 500 ? "internal error: the dashboard's log has the details" : err.message,
      },
    };
  };
}
