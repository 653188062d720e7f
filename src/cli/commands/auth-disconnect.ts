import type { CommandIo } from '../command.js';
import { checkRealmFlag, EXIT, parseFlags } from '../command.js';
import { findDisconnection, realmLabel, recordDisconnection } from '../../qbo/auth/connections.js';
import { utcInstant } from '../../infra/time-format.js';
import { TokenDecryptError } from '../../qbo/auth/token-crypto.js';
import { lockTokens } from '../../qbo/auth/token-store.js';
import { CommandFailedError, UsageError } from '../../model/usage-error.js';
import { oauthApp } from '../../qbo/oauth/oauth-app.js';
import { revokeToken, RevokeError } from '../../qbo/oauth/revoke-token.js';
import { requireKey, withDb } from './auth-common.js';

export const DISCONNECT_USAGE = 'qbo-backfill auth disconnect --realm ID';

/**
 * `auth disconnect`: revokes the realm's token at Intuit, deletes it from the store and remembers
 * the disconnection, so that every later run for the realm is refused (enqueue, and the workers
 * for runs already queued) until it is connected again. All of it holds the token row's lock, as
 * a refresh does: no worker can rotate the token between the revocation and the deletion.
 */
export async function runDisconnect(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseFlags(argv, { realm: { type: 'string' } }, DISCONNECT_USAGE);
  // No QBO_REALM_ID fallback: ending a connection names the company it ends.
  if (values.realm === undefined) throw new UsageError(`--realm is required; usage: ${DISCONNECT_USAGE}`);
  const realmId = checkRealmFlag(values.realm, true);
  const config = io.config();
  const key = requireKey(config);
  const log = io.logger(config, 'auth');
  const app = oauthApp(config, log);
  try {
    const ended = await withDb(config, (db) =>
      db.transaction().execute(async (trx) => {
        let stored;
        try {
          stored = await lockTokens(trx, key, realmId);
        } catch (err) {
          if (!(err instanceof TokenDecryptError)) throw err;
          throw new CommandFailedError(
            `the stored token of realm ${realmId} cannot be decrypted (${err.message}), so it cannot be revoked: set TOKEN_ENCRYPTION_KEY to the key it was stored with; nothing was deleted`,
          );
        }
        if (!stored) {
          const earlier = await findDisconnection(trx, realmId);
          throw new UsageError(
            earlier
              ? `realm ${realmLabel(realmId, earlier.companyName)} is not connected: it was disconnected at ${utcInstant(earlier.disconnectedAt)}`
              : `realm ${realmId} is not connected: no token is stored for it (qbo-backfill auth status lists the connected realms)`,
          );
        }
        let revocation;
        try {
          revocation = await revokeToken(app, realmId, stored.refreshToken);
        } catch (err) {
          if (err instanceof RevokeError) throw new CommandFailedError(err.message);
          throw err;
        }
        return recordDisconnection(trx, realmId, revocation, io.now());
      }),
    );
    if (!ended) throw new CommandFailedError(`realm ${realmId} was deleted by someone else meanwhile`);
    io.out(
      `disconnected realm ${realmLabel(realmId, ended.companyName)}: ${
        ended.revocation === 'revoked' ? 'Intuit revoked its token' : 'Intuit no longer knew its token'
      }, and it was deleted from the store; runs for this realm are refused until it is connected again (qbo-backfill auth connect)`,
    );
    return EXIT.ok;
  } finally {
    app.close();
  }
}
