import type { Command, CommandIo } from '../command.js';
import { checkRealmFlag, EXIT, parseFlags } from '../command.js';
import type { Config } from '../../config/config.js';
import { forgetDisconnection } from '../../qbo/auth/connections.js';
import { setRefreshToken } from '../../qbo/auth/token-store.js';
import { UsageError } from '../../model/usage-error.js';
import { readSecretInput, requireKey, TOKEN_SHAPE, withDb } from './auth-common.js';
import { IMPORT_USAGE, runImport } from './auth-import.js';
import { CONNECT_USAGE, runConnect } from './auth-connect.js';
import { DISCONNECT_USAGE, runDisconnect } from './auth-disconnect.js';
import { runStatus, STATUS_USAGE } from './auth-status.js';

const SET_USAGE = 'qbo-backfill auth set [--realm ID] [--file PATH]';
const USAGE = [CONNECT_USAGE, SET_USAGE, IMPORT_USAGE, STATUS_USAGE, DISCONNECT_USAGE].join(' | ');

function realmFrom(flag: string | undefined, config: Config): string {
  const realm = flag ?? config.qbo.realmId;
  if (realm === undefined) throw new UsageError(`--realm is required (or set QBO_REALM_ID); usage: ${USAGE}`);
  return checkRealmFlag(realm);
}

async function runSet(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { realm: { type: 'string' }, file: { type: 'string' } },
    SET_USAGE,
    true,
  );
  if (positionals.length > 0) {
    // A token on the command line would land in shell history and the process list.
    throw new UsageError('auth set takes the token from stdin or --file, never as an argument');
  }
  const config = io.config();
  const realmId = realmFrom(values.realm, config);
  const key = requireKey(config);

  const raw = await readSecretInput(values.file, io, 'paste the refresh token, then press Enter and Ctrl-D:');
  const token = raw.trim();
  if (token === '') {
    throw new UsageError(`no refresh token given: pipe it on stdin or pass --file PATH`);
  }
  if (!TOKEN_SHAPE.test(token)) {
    throw new UsageError('the refresh token must be a single line of printable characters without spaces');
  }

  // A token stored by hand connects the realm again: its disconnection, if any, is over.
  await withDb(config, (db) =>
    db.transaction().execute(async (trx) => {
      await setRefreshToken(trx, key, realmId, token, { now: io.now() });
      await forgetDisconnection(trx, realmId);
    }),
  );
  io.out(
    `stored a new refresh token for realm ${realmId} (encrypted); workers use it at their next token refresh`,
  );
  return EXIT.ok;
}

export const authCommand: Command = {
  name: 'auth',
  summary:
    "connect a company through OAuth / store a refresh token (stdin or --file) / store many companies' tokens at once / show token health, never values / disconnect a company",
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'connect') return runConnect(rest, io);
    if (sub === 'set') return runSet(rest, io);
    if (sub === 'import') return runImport(rest, io);
    if (sub === 'status') return runStatus(rest, io);
    if (sub === 'disconnect') return runDisconnect(rest, io);
    throw new UsageError(
      `expected a subcommand, connect, set, import, status or disconnect; usage: ${USAGE}`,
    );
  },
};
