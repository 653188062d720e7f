import type { AxiosResponse } from 'axios';
import { basicAuthorization } from '../auth/token-endpoint.js';
import type { OAuthApp } from './oauth-app.js';

/**
 * Intuit's revoke endpoint: `POST {"token": "<refresh token>"}` with the app's Basic credentials.
 * Revoking the refresh token ends the whole connection (its access tokens stop working too).
 */
export type Revocation = 'revoked' | 'already-invalid';

/** Revocation failed and nothing was deleted: the message says what to do. */
export class RevokeError extends Error {
  override readonly name = 'RevokeError';
}

export async function revokeToken(app: OAuthApp, realmId: string, token: string): Promise<Revocation> {
  let response: AxiosResponse<unknown>;
  try {
    response = await app.http.post<unknown>(
      app.revokeUrl,
      { token },
      {
        headers: {
          Authorization: basicAuthorization(app.endpoint),
          Accept: 'application/json',
          'Content-Type': 'application/json',
        },
      },
    );
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new RevokeError(
      `revoking the token of realm ${realmId} at Intuit failed (${typeof code === 'string' ? code : 'network error'}): nothing was deleted; run the command again`,
    );
  }
  if (response.status === 200) return 'revoked';
  const error = (response.data as { error?: unknown } | null)?.error;
  if (response.status === 401 || error === 'invalid_client') {
    throw new RevokeError(
      `Intuit refused the app's credentials when revoking realm ${realmId} (invalid_client): check QBO_CLIENT_ID and QBO_CLIENT_SECRET; nothing was deleted`,
    );
  }
  // Intuit answers 400 for a token it no longer knows (expired, revoked already, or from another
  // app): there is nothing left to revoke, and the stored copy is worthless.
  if (response.status === 400) return 'already-invalid';
  throw new RevokeError(
    `revoking the token of realm ${realmId} at Intuit failed: HTTP ${response.status}; nothing was deleted; run the command again`,
  );
}
