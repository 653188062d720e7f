/**
 * The two bodies Intuit's webhooks come in, reduced to what the product needs from them: which
 * realms changed, and an id per event to recognise a delivery Intuit repeats. Payloads carry ids,
 * not field values, and CDC stays the source of truth, so nothing else is kept.
 *
 * - CloudEvents batch (Intuit's format since 2025, mandatory from 2026): a JSON array of events
 *   `{"specversion":"1.0","id":"<uuid>","source":"intuit.<...>","type":"qbo.invoice.created.v1",
 *   "time":"...","intuitentityid":"95","intuitaccountid":"<realm id>","data":{}}`; one batch may
 *   name several realms.
 * - Legacy: `{"eventNotifications":[{"realmId":"..","dataChangeEvent":{"entities":[{"name":
 *   "Invoice","id":"1","operation":"Create","lastUpdated":".."}]}}]}`.
 */
import { createHash } from 'node:crypto';
import { isRealmId } from '../config/qbo-environments.js';

export type WebhookFormat = 'cloudevents' | 'legacy';

/** One event of a delivery: its realm, and the id deliveries of the same event share. */
export interface WebhookEvent {
  realmId: string;
  /** CloudEvents: `ce:<source>:<id>`; legacy (no event id): `legacy:<sha256 of the notification>`. */
  eventKey: string;
}

export interface WebhookDelivery {
  format: WebhookFormat;
  events: WebhookEvent[];
}

/** The body is not one Intuit sends. The message is one line, safe to answer and log. */
export class MalformedWebhookError extends Error {
  override readonly name = 'MalformedWebhookError';
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const nonEmptyString = (v: unknown): v is string => typeof v === 'string' && v !== '';

function realmOf(value: unknown, where: string, field: string): string {
  if (value === undefined) throw new MalformedWebhookError(`${where}: no ${field} (the realm id)`);
  if (typeof value !== 'string' || !isRealmId(value)) {
    throw new MalformedWebhookError(`${where}: ${field} must be a realm id (a string of digits)`);
  }
  return value;
}

function cloudEvents(batch: unknown[]): WebhookEvent[] {
  if (batch.length === 0) throw new MalformedWebhookError('a CloudEvents batch of no events');
  return batch.map((event, i) => {
    const where = `event ${i}`;
    if (!isObject(event)) throw new MalformedWebhookError(`${where}: expected a JSON object`);
    for (const field of ['specversion', 'id', 'type'] as const) {
      if (!nonEmptyString(event[field])) throw new MalformedWebhookError(`${where}: no ${field}`);
    }
    const realmId = realmOf(event.intuitaccountid, where, 'intuitaccountid');
    // CloudEvents makes `source` + `id` unique, not `id` alone; Intuit sends both.
    const source = typeof event.source === 'string' ? event.source : '';
    return { realmId, eventKey: `ce:${source}:${event.id as string}` };
  });
}

function legacy(notifications: unknown): WebhookEvent[] {
  if (!Array.isArray(notifications) || notifications.length === 0) {
    throw new MalformedWebhookError('eventNotifications: expected a non-empty array');
  }
  return notifications.map((notification, i) => {
    const where = `eventNotifications[${i}]`;
    if (!isObject(notification)) throw new MalformedWebhookError(`${where}: expected a JSON object`);
    const realmId = realmOf(notification.realmId, where, 'realmId');
    // The legacy format has no event id: a repeated delivery carries the same notification, byte
    // for byte, so its hash recognises it (a real change gives a new lastUpdated, hence a new hash).
    const digest = createHash('sha256').update(JSON.stringify(notification)).digest('hex');
    return { realmId, eventKey: `legacy:${digest}` };
  });
}

/** Parses a delivery's raw body; throws {@link MalformedWebhookError} on anything else. */
export function parseWebhookBody(raw: Buffer): WebhookDelivery {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new MalformedWebhookError('the body is not JSON');
  }
  if (Array.isArray(body)) return { format: 'cloudevents', events: cloudEvents(body) };
  if (isObject(body) && 'eventNotifications' in body) {
    return { format: 'legacy', events: legacy(body.eventNotifications) };
  }
  throw new MalformedWebhookError(
    'expected a CloudEvents batch (a JSON array of events) or an object with eventNotifications',
  );
}
