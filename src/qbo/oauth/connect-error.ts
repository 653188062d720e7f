/**
 * A connection attempt that stored nothing, with the HTTP status its callback page answers:
 * 4xx when the callback or the code was at fault, 502 when Intuit failed. The message is the one
 * line the person reads (on the page, and on the terminal of `auth connect`).
 */
export class ConnectError extends Error {
  override readonly name = 'ConnectError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
