import { disconnectedMessage, type Disconnection } from './connections.js';
import { FailWindowError, HaltRunError, RetryWindowError } from '../../model/errors/index.js';

/**
 * Errors of getting an access token, each extending the base class of its outcome. Most need an
 * operator: a rejected refresh token, no token at all, wrong app credentials, a stored token that
 * cannot be decrypted, a token URL that can never work. Their messages are the operator's
 * instructions; the run halts with them.
 */

/** QBO refused the refresh token (bad, expired or superseded). Only an operator can fix it. */
export class InvalidGrantError extends HaltRunError {
  constructor(readonly realmId: string) {
    super(
      `QBO rejected the refresh token for realm ${realmId} (invalid_grant): reconnect the app and store a new refresh token with: qbo-backfill auth set --realm ${realmId}`,
    );
  }
}

/** The realm has no stored refresh token and no `QBO_REFRESH_TOKEN` to start from. */
export class MissingRefreshTokenError extends HaltRunError {
  constructor(readonly realmId: string) {
    super(
      `no refresh token stored for realm ${realmId} and QBO_REFRESH_TOKEN is not set: store one with: qbo-backfill auth set --realm ${realmId}`,
    );
  }
}

/** An operator disconnected the realm (`auth disconnect`): nothing is read from it until it is connected again. */
export class RealmDisconnectedError extends HaltRunError {
  readonly realmId: string;
  constructor(disconnection: Disconnection) {
    super(disconnectedMessage(disconnection));
    this.realmId = disconnection.realmId;
  }
}

/** A stored token cannot be decrypted: TOKEN_ENCRYPTION_KEY is not the key it was stored with. */
export class UndecryptableTokenError extends HaltRunError {
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
 * A call to the token endpoint failed in a way another attempt may get past: network trouble, a
 * 5xx, 429 or 408, a 200 without a usable token, or a wait for another process's refresh that
 * timed out.
 */
export class TokenRefreshError extends RetryWindowError {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The token endpoint refused the request with another 4xx: the same request fails again. */
export class TokenRequestRefusedError extends FailWindowError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The token URL itself is wrong (malformed, not http(s), unknown host): no retry can help. */
export class TokenUrlError extends HaltRunError {}

/** The token endpoint refused the app's client id or secret: every refresh of every realm fails alike. */
export class InvalidClientError extends HaltRunError {
  constructor(
    realmId: string,
    readonly status: number,
  ) {
    super(
      `token refresh for realm ${realmId} failed: HTTP ${status} (invalid_client): QBO rejected the app's credentials; check QBO_CLIENT_ID and QBO_CLIENT_SECRET`,
    );
  }
}

/**
 * Whether `err` is one of the token endpoint's own failures (not a refusal of the grant or of the
 * app's credentials, which have classes of their own).
 */
export function isTokenEndpointFailure(
  err: unknown,
): err is TokenRefreshError | TokenRequestRefusedError | TokenUrlError {
  return (
    err instanceof TokenRefreshError ||
    err instanceof TokenRequestRefusedError ||
    err instanceof TokenUrlError
  );
}
