import { disconnectedMessage, type Disconnection } from './connections.js';
import type { Outcome } from '../../model/outcome.js';

/**
 * Errors of getting an access token, each carrying its outcome. Most need an operator: a rejected
 * refresh token, no token at all, wrong app credentials, a stored token that cannot be decrypted.
 * Their messages are the operator's instructions; the run halts with them.
 */

/** QBO refused the refresh token (bad, expired or superseded). Only an operator can fix it. */
export class InvalidGrantError extends Error {
  override readonly name = 'InvalidGrantError';
  readonly outcome = 'halt-run' as const;
  constructor(readonly realmId: string) {
    super(
      `QBO rejected the refresh token for realm ${realmId} (invalid_grant): reconnect the app and store a new refresh token with: qbo-backfill auth set --realm ${realmId}`,
    );
  }
}

/** The realm has no stored refresh token and no `QBO_REFRESH_TOKEN` to start from. */
export class MissingRefreshTokenError extends Error {
  override readonly name = 'MissingRefreshTokenError';
  readonly outcome = 'halt-run' as const;
  constructor(readonly realmId: string) {
    super(
      `no refresh token stored for realm ${realmId} and QBO_REFRESH_TOKEN is not set: store one with: qbo-backfill auth set --realm ${realmId}`,
    );
  }
}

/** An operator disconnected the realm (`auth disconnect`): nothing is read from it until it is connected again. */
export class RealmDisconnectedError extends Error {
  override readonly name = 'RealmDisconnectedError';
  readonly outcome = 'halt-run' as const;
  readonly realmId: string;
  constructor(disconnection: Disconnection) {
    super(disconnectedMessage(disconnection));
    this.realmId = disconnection.realmId;
  }
}

/** A stored token cannot be decrypted: TOKEN_ENCRYPTION_KEY is not the key it was stored with. */
export class UndecryptableTokenError extends Error {
  override readonly name = 'UndecryptableTokenError';
  readonly outcome = 'halt-run' as const;
  constructor(
    readonly realmId: string,
    cause: Error,
  ) {
    super(
      `stored tokens of realm ${realmId} cannot be decrypted (${cause.message}): set TOKEN_ENCRYPTION_KEY to the key they were stored with, or store a new refresh token with: qbo-backfill auth set --realm ${realmId}`,
      { cause },
    );
  }
}

/**
 * A refresh failed for another reason: network trouble, 5xx, 429 and lock timeouts are worth
 * another attempt of the window; other 4xx are not.
 */
export class TokenRefreshError extends Error {
  override readonly name: string = 'TokenRefreshError';
  constructor(
    message: string,
    readonly outcome: Outcome,
    readonly status?: number,
  ) {
    super(message);
  }

  /** Whether another attempt of the window may succeed. */
  get retryable(): boolean {
    return this.outcome === 'retry-window' || this.outcome === 'retry-request';
  }
}

/** The token endpoint refused the app's client id or secret: every refresh of every realm fails alike. */
export class InvalidClientError extends TokenRefreshError {
  override readonly name = 'InvalidClientError';
  constructor(realmId: string, status: number) {
    super(
      `token refresh for realm ${realmId} failed: HTTP ${status} (invalid_client): QBO rejected the app's credentials; check QBO_CLIENT_ID and QBO_CLIENT_SECRET`,
      'halt-run',
      status,
    );
  }
}
