/** Small helpers around node:http requests and responses. */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An `intuit_tid` like QBO's (`1-<8 hex>-<24 hex>`): every response carries one. */
export function newIntuitTid(): string {
  return `1-${randomBytes(4).toString('hex')}-${randomBytes(12).toString('hex')}`;
}

/** The largest request body read; a larger one is refused (the emulator's requests are small). */
const BODY_LIMIT_BYTES = 1_000_000;

/** Reads the whole request body, up to {@link BODY_LIMIT_BYTES}. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT_BYTES) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json;charset=UTF-8', JSON.stringify(value));
}

/**
 * Sends the headers and only the first part of the body, then ends the response cleanly (chunked
 * encoding): the client sees a 200 whose JSON is cut short, as happens with QBO now and then.
 */
export function sendTruncated(res: ServerResponse, status: number, contentType: string, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': contentType });
  res.end(body.slice(0, Math.max(1, Math.floor(body.length / 2))));
}
