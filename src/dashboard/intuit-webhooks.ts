/**
 * `POST /webhooks/intuit`: Intuit's change notifications, a hint to sync a realm early (CDC stays
 * the source of truth). It needs no login (Intuit cannot log in) but Intuit's signature, and it
 * answers within Intuit's 3 s after queueing the work, never doing it inline: Intuit retries a
 * delivery it got no 200 for. Statuses: 200 taken (cycles requested, or nothing to do); 401 bad or
 * missing signature; 400 a body Intuit does not send; 413 a body over the limit; 503 Redis or
 * PostgreSQL did not answer in time (Intuit retries); 404 without a verifier token configured.
 */
import express, { type ErrorRequestHandler, type RequestHandler, type Response, type Router } from 'express';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../infra/logger.js';
import { withTimeout } from '../infra/with-timeout.js';
import { SYNC_DEFAULTS } from '../sync/sync-queue.js';
import { MalformedWebhookError, parseWebhookBody } from './webhook-body.js';
import { markTaken, takeDelivery, type Intake, type IntakeDeps } from './webhook-intake.js';
import { checkWebhookSignature, SIGNATURE_HEADER } from './webhook-signature.js';

export const WEBHOOK_PATH = '/webhooks/intuit';

/** Defaults of the webhook route, declared once. */
export const WEBHOOK_DEFAULTS = Object.freeze({
  /** Bodies over this many bytes are answered 413 (Intuit's batches are a few KB). @defaultValue 1 MiB */
  bodyLimitBytes: 1_048_576,
  /** How long an event id is remembered, so a repeated delivery makes no cycle. @defaultValue 86400 (a day) */
  seenTtlSeconds: 86_400,
  /**
   * How long finding seen events, checking realms and enqueueing may take before the delivery is
   * answered 503, well inside Intuit's 3 s. @defaultValue 2000
   */
  takeWithinMs: 2_000,
  /** How long marking events seen may take once the cycles are queued (a failure is only logged). @defaultValue 500 */
  markWithinMs: 500,
});

/** `qbo_backfill_webhook_deliveries_total`'s outcomes. */
export const WEBHOOK_OUTCOMES = [
  'accepted',
  'duplicate',
  'unknown_realm',
  'bad_signature',
  'malformed',
  'unavailable',
] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

export interface IntuitWebhookOptions extends Omit<IntakeDeps, 'debounceMs'> {
  /** `QBO_WEBHOOK_VERIFIER_TOKEN`; undefined: the route answers 404. */
  verifierToken: string | undefined;
  /** The dashboard's registry, for the deliveries counter. */
  registry: Registry;
  log: Logger;
  /** See {@link SYNC_DEFAULTS.webhookDebounceMs}. */
  debounceMs?: number;
}

function answer(res: Response, status: number, body: object): void {
  res.status(status).set('Cache-Control', 'no-store').json(body);
}

/** The route, to mount before the dashboard's login. */
export function intuitWebhookRouter(options: IntuitWebhookOptions): Router {
  const { verifierToken, log } = options;
  const router = express.Router();
  const deliveries = new Counter({
    name: 'qbo_backfill_webhook_deliveries_total',
    help: 'Intuit webhook deliveries: once per realm a verified delivery names (accepted, duplicate, unknown_realm), once per delivery refused (bad_signature; malformed, 413 included; unavailable: answered 503)',
    labelNames: ['outcome'],
    registers: [options.registry],
  });
  // Every outcome from the start, so `increase()` sees the first one and alerts can name them.
  for (const outcome of WEBHOOK_OUTCOMES) deliveries.inc({ outcome }, 0);
  const count = (outcome: WebhookOutcome, by = 1) => deliveries.inc({ outcome }, by);

  if (verifierToken === undefined) {
    // As any route the dashboard does not serve: nothing here tells a prober webhooks exist.
    router.post(WEBHOOK_PATH, (_req, res) => {
      res.status(404).type('text/plain').send('Not Found\n');
    });
    return router;
  }

  const deps: IntakeDeps = { ...options, debounceMs: options.debounceMs ?? SYNC_DEFAULTS.webhookDebounceMs };
  const refuseBody: ErrorRequestHandler = (err: { type?: string; status?: number }, _req, res, next) => {
    if (err.type === 'entity.too.large') {
      count('malformed');
      log.warn({ limitBytes: WEBHOOK_DEFAULTS.bodyLimitBytes }, 'webhook refused: body over the limit');
      answer(res, 413, { error: `body over ${WEBHOOK_DEFAULTS.bodyLimitBytes} bytes` });
    } else if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
      count('malformed');
      answer(res, err.status, { error: 'cannot read the body' });
    } else {
      next(err);
    }
  };

  const take: RequestHandler = async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const signature = checkWebhookSignature(raw, req.headers[SIGNATURE_HEADER], verifierToken);
    if (signature !== 'ok') {
      count('bad_signature');
      // Neither the token nor the signature sent: the reason and the sender are what helps.
      log.warn(
        { reason: signature, bytes: raw.length, ip: req.ip },
        'webhook refused: intuit-signature missing or not matching QBO_WEBHOOK_VERIFIER_TOKEN',
      );
      answer(res, 401, {
        error:
          signature === 'missing'
            ? 'missing intuit-signature header'
            : 'intuit-signature does not match the body',
      });
      return;
    }
    let delivery;
    try {
      delivery = parseWebhookBody(raw);
    } catch (err) {
      if (!(err instanceof MalformedWebhookError)) throw err;
      count('malformed');
      log.warn({ reason: err.message, bytes: raw.length }, 'webhook refused: malformed body');
      answer(res, 400, { error: err.message });
      return;
    }
    let intake: Intake;
    try {
      intake = await withTimeout(takeDelivery(deps, delivery), WEBHOOK_DEFAULTS.takeWithinMs, 'the queue');
    } catch (err) {
      count('unavailable');
      log.warn({ err: (err as Error).message }, 'webhook answered 503: cannot queue its sync cycles now');
      answer(res, 503, { error: 'cannot queue the sync cycles now; retry later' });
      return;
    }
    try {
      await withTimeout(
        markTaken(deps, intake, WEBHOOK_DEFAULTS.seenTtlSeconds),
        WEBHOOK_DEFAULTS.markWithinMs,
        'redis',
      );
    } catch (err) {
      // The cycles are queued: answer 200. A repeat of these events makes one more cycle, no more.
      log.warn({ err: (err as Error).message }, 'webhook: cannot mark its events seen');
    }
    count('accepted', intake.realms.length);
    count('unknown_realm', intake.unknownRealms.length);
    count('duplicate', intake.duplicateRealms.length);
    if (intake.unknownRealms.length > 0) {
      log.warn(
        { realms: intake.unknownRealms },
        'webhook names realms the product does not sync (no token stored, or disconnected): no cycle for them',
      );
    }
    log.info(
      {
        format: delivery.format,
        accepted: intake.accepted,
        duplicates: intake.duplicates,
        realms: intake.realms,
      },
      'webhook taken',
    );
    answer(res, 200, {
      accepted: intake.accepted,
      duplicates: intake.duplicates,
      realms: intake.realms,
      unknownRealms: intake.unknownRealms,
    });
  };
  router.post(
    WEBHOOK_PATH,
    express.raw({ type: () => true, limit: WEBHOOK_DEFAULTS.bodyLimitBytes }),
    take,
    refuseBody,
  );
  return router;
}
