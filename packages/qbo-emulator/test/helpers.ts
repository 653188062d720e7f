/** HTTP helpers for the emulator tests: a tiny QBO client over fetch. */
import { request } from 'node:http';
import { ManualClock, startEmulator, type EmulatorOptions, type RunningEmulator } from '../src/index.js';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Set when the connection was cut before a complete response. */
  error?: string;
}

/** A raw request (node:http, so cut connections and odd bodies are observable). */
export function http(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpResult> {
  return new Promise((resolve) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on('error', (err) =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, error: err.message }),
        );
      },
    );
    req.on('error', (err) => resolve({ status: 0, headers: {}, text: '', error: err.message }));
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/**
 * Where a test's emulator clock starts: a fixed instant inside the generated span (2024-2026), so
 * what depends on "now" (drift, the CDC look-back) does not depend on the day the suite runs.
 */
export const CLOCK_START = Date.parse('2026-06-15T12:00:00Z');

/** A clock for one emulator that moves only when the test advances it. */
export function manualClock(): ManualClock {
  return new ManualClock(CLOCK_START);
}

export function start(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ port: 0, ...options });
}

export function basicAuth(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

export function refresh(
  em: RunningEmulator,
  refreshToken: string,
  secret = em.clientSecret,
): Promise<HttpResult> {
  return http(em.tokenUrl, {
    method: 'POST',
    headers: {
      authorization: basicAuth(em.clientId, secret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
  });
}

export async function accessToken(em: RunningEmulator): Promise<string> {
  const res = await refresh(em, em.refreshToken);
  if (res.status !== 200) throw new Error(`token refresh failed: ${res.status} ${res.text}`);
  return (JSON.parse(res.text) as { access_token: string }).access_token;
}

export function queryUrl(em: RunningEmulator, realmId: string, statement: string): string {
  return `${em.url}/v3/company/${realmId}/query?query=${encodeURIComponent(statement)}&minorversion=75`;
}

export function query(
  em: RunningEmulator,
  token: string,
  statement: string,
  realmId = em.realmIds[0] as string,
): Promise<HttpResult> {
  return http(queryUrl(em, realmId, statement), {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
}

export interface QueryResponseBody {
  QueryResponse: Record<string, unknown> & {
    startPosition?: number;
    maxResults?: number;
    totalCount?: number;
  };
  time: string;
}

export async function queryJson(
  em: RunningEmulator,
  token: string,
  statement: string,
  realmId?: string,
): Promise<QueryResponseBody> {
  const res = await query(em, token, statement, realmId);
  if (res.status !== 200) throw new Error(`query failed: ${res.status} ${res.text}`);
  return JSON.parse(res.text) as QueryResponseBody;
}

export type Row = Record<string, unknown> & {
  Id: string;
  MetaData: { CreateTime: string; LastUpdatedTime: string };
};

export function rows(body: QueryResponseBody, entity: string): Row[] {
  return (body.QueryResponse[entity] as Row[] | undefined) ?? [];
}

/** Pages through a statement (without STARTPOSITION/MAXRESULTS) and returns every row. */
export async function pageAll(
  em: RunningEmulator,
  token: string,
  entity: string,
  statement: string,
  pageSize = 1000,
  realmId?: string,
): Promise<Row[]> {
  const all: Row[] = [];
  for (let start = 1; ; start += pageSize) {
    const body = await queryJson(
      em,
      token,
      `${statement} STARTPOSITION ${start} MAXRESULTS ${pageSize}`,
      realmId,
    );
    const page = rows(body, entity);
    all.push(...page);
    if (page.length < pageSize) return all;
  }
}

export function getJson<T>(url: string): Promise<T> {
  return http(url).then((r) => {
    if (r.status !== 200) throw new Error(`${url}: ${r.status} ${r.text}`);
    return JSON.parse(r.text) as T;
  });
}

export function postJson(url: string, value: unknown): Promise<HttpResult> {
  return http(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(value),
  });
}
