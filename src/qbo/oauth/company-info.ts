import { QBO_MINOR_VERSION } from '../qbo-client.js';
import { parseFault } from '../qbo-errors.js';
import type { OAuthApp } from './oauth-app.js';
import { ConnectError } from './connect-error.js';

/**
 * Reads the new connection's CompanyInfo with its first access token. Its answer proves the
 * token opens the realm the callback named: Intuit's token response does not name the company,
 * so a callback whose realmId was changed on the way (or mixed up between two attempts) would
 * otherwise store one company's tokens under another's id. It also gives the company's name.
 */
export async function readCompanyName(
  app: OAuthApp,
  realmId: string,
  accessToken: string,
): Promise<string | null> {
  let response;
  try {
    response = await app.http.get<string>(`${app.apiBaseUrl}/v3/company/${realmId}/query`, {
      params: { query: 'SELECT * FROM CompanyInfo', minorversion: QBO_MINOR_VERSION },
      headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
      responseType: 'text',
      transformResponse: (body: unknown) => body,
    });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new ConnectError(
      502,
      `reading CompanyInfo of realm ${realmId} failed (${typeof code === 'string' ? code : 'network error'}): check QBO_BASE_URL and QBO_ENVIRONMENT`,
    );
  }
  const body = typeof response.data === 'string' ? response.data : '';
  if (response.status === 401 || response.status === 403) {
    const code = parseFault(body)?.code;
    throw new ConnectError(
      400,
      `the token Intuit issued does not open realm ${realmId} (HTTP ${response.status}${code ? `, code ${code}` : ''}): the callback's realmId is not the company that was authorized`,
    );
  }
  if (response.status !== 200) {
    throw new ConnectError(502, `reading CompanyInfo of realm ${realmId} failed: HTTP ${response.status}`);
  }
  try {
    const parsed = JSON.parse(body) as { QueryResponse?: { CompanyInfo?: { CompanyName?: unknown }[] } };
    const name = parsed.QueryResponse?.CompanyInfo?.[0]?.CompanyName;
    return typeof name === 'string' && name.trim() !== '' ? name.trim().slice(0, 200) : null;
  } catch {
    return null;
  }
}
