import axios, { type AxiosInstance } from 'axios';
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import {
  NO_METRICS,
  QBO_REQUEST_DURATION,
  QBO_REQUESTS,
  RATE_LIMIT_WAIT,
  type MetricsRecorder,
} from '../infra/cluster-metrics.js';
import { systemClock, type Clock } from '@qbo-backfill/clock';
import type { Logger } from '../infra/logger.js';
import { CONFIG_DEFAULTS } from '../config/config.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { failureCode, networkFailure } from './network-failure.js';
import {
  errorForResponse,
  isQboError,
  QboConfigurationError,
  QboNetworkError,
  QboRetryableError,
} from './qbo-errors.js';
import { readQueryResponse } from './qbo-response.js';
import { readCdcBody, type CdcResult } from './cdc-body.js';
import { bodyText, envelopeTime, headerValue } from './http-body.js';
import type { ReportAnswer } from './reports/report-shape.js';
import type { QueryResult, ReportResult } from './qbo-client-types.js';

export type { CdcResult };
export type { QboQuery, QueryResult, ReportResult } from './qbo-client-types.js';

/** QBO serves minor versions below 75 as 75 since 2025-08-01: every request sends 75. */
export const QBO_MINOR_VERSION = 75;

/** Defaults of the QBO client, declared once. */
export const QBO_CLIENT_DEFAULTS = Object.freeze({
  /**
   * Per-request timeout: Intuit ends requests at 120 s on its side, so waiting a little longer
   * lets its own answer arrive. @defaultValue 130000
   */
  timeoutMs: 130_000,
  /** Attempts for 5xx, timeouts, dropped and truncated responses (`QBO_REQUEST_ATTEMPTS`). @defaultValue 5 */
  maxAttempts: CONFIG_DEFAULTS.qboRequestAttempts,
  /** Backoff for 5xx and network errors. @defaultValue base 1000 ms, cap 30000 ms */
  serverBackoff: Object.freeze({ baseMs: 1_000, capMs: 30_000 }),
  /**
   * Backoff for 429. Intuit documents no Retry-After and says to wait up to 60 s, hence the cap.
   * Throttling never uses up an attempt. @defaultValue base 2000 ms, cap 60000 ms
   */
  throttleBackoff: Object.freeze({ baseMs: 2_000, capMs: 60_000 }),
  /** Give up on 429s after this long in total. @defaultValue 15 minutes */
  throttleGiveUpMs: 15 * 60_000,
  /** Minor version sent with every request. @defaultValue 75 */
  minorVersion: QBO_MINOR_VERSION,
});

/** Runs a request inside the realm's cluster-wide budget (the Redis-backed rate limiter). */
export interface RequestScheduler {
  schedule<T>(realmId: string, fn: () => Promise<T>): Promise<T>;
}

/** Access tokens shared by the cluster (token store + serialized refresh). */
export interface AccessTokenSource {
  getAccessToken(realmId: string): Promise<string>;
  refreshAfterUnauthorized(realmId: string, rejectedToken: string): Promise<string>;
}

export interface QboClientOptions {
  /** API base URL, e.g. `https://quickbooks.api.intuit.com`. */
  baseUrl: string;
  scheduler: RequestScheduler;
  tokens: AccessTokenSource;
  logger: Logger;
  /** See {@link QBO_CLIENT_DEFAULTS.timeoutMs}. */
  timeoutMs?: number;
  /** See {@link QBO_CLIENT_DEFAULTS.maxAttempts}. */
  maxAttempts?: number;
  /** See {@link QBO_CLIENT_DEFAULTS.serverBackoff}. */
  serverBackoff?: BackoffOptions;
  /** See {@link QBO_CLIENT_DEFAULTS.throttleBackoff}. */
  throttleBackoff?: BackoffOptions;
  /** See {@link QBO_CLIENT_DEFAULTS.throttleGiveUpMs}. */
  throttleGiveUpMs?: number;
  /** See {@link QBO_CLIENT_DEFAULTS.minorVersion}. */
  minorVersion?: number;
  /** Aborts waiting (backoff sleeps) on shutdown. */
  signal?: AbortSignal;
  /** What backoff waits and the 429 give-up are timed by. Default: the system clock. */
  clock?: Clock;
  /** Cluster-wide request counts, latency and budget waits. Default: none recorded. */
  metrics?: MetricsRecorder;
}

/**
 * A QBO query client: one method, `query`, that sends a statement through the realm's shared
 * budget with the cluster's access token, and applies the retry policy that the error table gives.
 */
export class QboClient {
  private readonly http: AxiosInstance;
  private readonly o: Required<Omit<QboClientOptions, 'signal'>> & { signal: AbortSignal | undefined };
  private readonly metrics: MetricsRecorder;

  constructor(options: QboClientOptions) {
    this.o = {
      ...QBO_CLIENT_DEFAULTS,
      clock: systemClock,
      ...options,
      metrics: options.metrics ?? NO_METRICS,
      signal: options.signal,
    };
    this.metrics = this.o.metrics;
    this.http = axios.create({
      baseURL: this.o.baseUrl,
      timeout: this.o.timeoutMs,
      // We read bodies ourselves: a truncated JSON body must be an error, not a string. As bytes:
      // a page's body goes to PostgreSQL as it came (see qbo-response.ts), never decoded to a
      // string and encoded back.
      responseType: 'arraybuffer',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 64 }),
      headers: { Accept: 'application/json' },
      // QBO's query endpoint answers, it does not redirect: a 3xx is reported as the error it is.
      // Without redirects axios calls Node's http directly instead of through follow-redirects,
      // which cost ~0.1 ms of CPU per request (a fifth of the client's share; bench/job-cost.ts).
      maxRedirects: 0,
    });
  }

  /**
   * Sends one query statement and returns its `QueryResponse`, retrying as the error table says.
   * `entity` only labels the request in the metrics.
   */
  async query(realmId: string, statement: string, entity = 'unknown'): Promise<QueryResult> {
    return this.request(realmId, entity, statement, (token) => this.send(realmId, statement, token));
  }

  /**
   * Sends one change-data-capture request (`/cdc?entities=..&changedSince=..`) through the same
   * budget, token and retry policy as a query; `label` names it in the metrics. Its body is read
   * whole (at most 1000 objects): each entity's changes, deletion stubs included.
   */
  async cdc(
    realmId: string,
    qboNames: readonly string[],
    changedSince: Date,
    label = 'cdc',
  ): Promise<CdcResult> {
    const params = { entities: qboNames.join(','), changedSince: changedSince.toISOString() };
    const what = `GET /cdc?entities=${params.entities}&changedSince=${params.changedSince}`;
    return this.request(realmId, label, what, async (token) => {
      const response = await this.get(realmId, 'cdc', params, token, what);
      return { ...readCdcBody(response.bytes, response.intuitTid), request: what };
    });
  }

  /**
   * Sends one report request through the same budget, token and retry policy as a query; the
   * metrics label it `report:<name>`. A report has no paging: the answer is read whole.
   */
  async report(realmId: string, name: string, params: Record<string, string>): Promise<ReportResult> {
    const endpoint = `reports/${encodeURIComponent(name)}`;
    const query = new URLSearchParams({ ...params, minorversion: String(this.o.minorVersion) });
    const what = `/v3/company/${encodeURIComponent(realmId)}/${endpoint}?${query.toString()}`;
    return this.request(realmId, `report:${name}`, what, async (token) => {
      const { bytes, intuitTid } = await this.get(realmId, endpoint, params, token, what);
      let report: ReportAnswer;
      try {
        report = JSON.parse(bodyText(bytes)) as ReportAnswer;
      } catch (cause) {
        throw new QboNetworkError(`truncated or invalid JSON report body (${bytes.length} bytes)`, {
          status: 200,
          intuitTid,
          cause,
        });
      }
      return { report, request: what, intuitTid };
    });
  }

  private async request<T extends { requests: number }>(
    realmId: string,
    entity: string,
    statement: string,
    send: (token: string) => Promise<Omit<T, 'requests'>>,
  ): Promise<T> {
    let sent = 0;
    let attempt = 0;
    let throttled = 0;
    let refreshed = false;
    const throttleStart = this.o.clock.now();
    for (;;) {
      const token = await this.o.tokens.getAccessToken(realmId);
      try {
        const queuedAt = performance.now();
        const answer = await this.o.scheduler.schedule(realmId, () => {
          this.metrics.observe(RATE_LIMIT_WAIT, {}, (performance.now() - queuedAt) / 1000);
          sent++;
          return this.measured(realmId, entity, () => send(token));
        });
        return { ...answer, requests: sent } as T;
      } catch (err) {
        if (isQboError(err)) err.requests = sent;
        // Only the client repeats requests; every other outcome is the window's to act on.
        if (!(err instanceof QboRetryableError)) throw err;
        const context = { realmId, status: err.status, code: err.code, intuitTid: err.intuitTid };
        switch (err.retry) {
          case 'refresh':
            // One refresh per request: a second 401 with a fresh token is not an expiry problem.
            if (refreshed) throw err;
            refreshed = true;
            this.o.logger.info(context, 'access token rejected; refreshing once');
            await this.o.tokens.refreshAfterUnauthorized(realmId, token);
            continue;
          case 'throttle': {
            throttled++;
            if (this.o.clock.now() - throttleStart > this.o.throttleGiveUpMs) throw err;
            const delay = backoffDelay(throttled, this.o.throttleBackoff);
            this.o.logger.warn(
              { ...context, throttled, delayMs: delay },
              'QBO throttled the request (429); waiting',
            );
            // Sleep outside the limiter: a throttled request must not hold a concurrency slot.
            await this.wait(delay);
            continue;
          }
          case 'backoff': {
            attempt++;
            if (attempt >= this.o.maxAttempts) throw err;
            const delay = backoffDelay(attempt, this.o.serverBackoff);
            this.o.logger.warn(
              { ...context, attempt, delayMs: delay, err: err.message },
              'QBO request failed; retrying',
            );
            await this.wait(delay);
            continue;
          }
        }
      }
    }
  }

  /** A backoff wait; shutdown (the signal) ends it with the signal's reason. */
  private async wait(ms: number): Promise<void> {
    const signal = this.o.signal;
    if (signal?.aborted) throw signal.reason as Error;
    await this.o.clock.sleep(ms, signal);
    if (signal?.aborted) throw signal.reason as Error;
  }

  /** Counts one request by realm, entity and HTTP status (`network` when none came) and times it. */
  private async measured<T>(realmId: string, entity: string, send: () => Promise<T>): Promise<T> {
    const sentAt = performance.now();
    let status = '200';
    try {
      return await send();
    } catch (err) {
      const code = (err as { status?: unknown }).status;
      status = typeof code === 'number' && code !== 200 ? String(code) : 'network';
      throw err;
    } finally {
      this.metrics.inc(QBO_REQUESTS, { realm: realmId, entity, status });
      this.metrics.observe(QBO_REQUEST_DURATION, {}, (performance.now() - sentAt) / 1000);
    }
  }

  /** A request that got no answer: a blip to retry, or a URL that can never work. */
  private networkError(err: unknown): Error {
    const code = failureCode(err);
    const detail = code ?? (err instanceof Error ? err.message : String(err));
    if (networkFailure(err) === 'configuration') {
      const reason = err instanceof Error && code !== undefined ? `${code}: ${err.message}` : detail;
      return new QboConfigurationError(
        `cannot call the QBO API at ${JSON.stringify(this.o.baseUrl)} (${reason}): check QBO_BASE_URL and QBO_ENVIRONMENT`,
      );
    }
    if (axios.isAxiosError(err)) return new QboNetworkError(`network error: ${code || err.message}`);
    return err instanceof Error ? err : new Error(String(err));
  }

  /** One GET of the company's API; a status other than 200 becomes the error the table says. */
  private async get(
    realmId: string,
    endpoint: string,
    params: Record<string, string>,
    token: string,
    statement: string,
  ): Promise<{ bytes: Buffer; intuitTid: string | undefined }> {
    let response;
    try {
      response = await this.http.get<Buffer>(`/v3/company/${encodeURIComponent(realmId)}/${endpoint}`, {
        params: { ...params, minorversion: this.o.minorVersion },
        headers: { Authorization: `Bearer ${token}` },
      });
    } catch (err) {
      throw this.networkError(err);
    }
    const intuitTid = headerValue(response.headers['intuit_tid']);
    const bytes = Buffer.isBuffer(response.data) ? response.data : Buffer.from(String(response.data ?? ''));
    if (response.status !== 200) {
      const error = errorForResponse(response.status, bodyText(bytes), intuitTid, realmId);
      if (!(error instanceof QboRetryableError)) {
        this.o.logger.error({ realmId, status: response.status, intuitTid, statement }, error.message);
      }
      throw error;
    }
    return { bytes, intuitTid };
  }

  private async send(
    realmId: string,
    statement: string,
    token: string,
  ): Promise<Omit<QueryResult, 'requests'>> {
    const { bytes, intuitTid } = await this.get(realmId, 'query', { query: statement }, token, statement);
    let queryResponse: Record<string, unknown> | undefined;
    try {
      // Keeps each record's text as sent: the page upsert stores it without serialising it again.
      queryResponse = readQueryResponse(bytes);
    } catch (cause) {
      // A 200 whose body is cut mid-way (proxies, dropped streams): retry, never half-use it.
      throw new QboNetworkError(`truncated or invalid JSON body (${bytes.length} bytes)`, {
        status: 200,
        intuitTid,
        cause,
      });
    }
    if (!queryResponse) {
      throw new QboNetworkError('response has no QueryResponse', { status: 200, intuitTid });
    }
    return { queryResponse, intuitTid, time: envelopeTime(bytes) };
  }
}
