import { readFile } from 'node:fs/promises';
import type { Command, CommandIo } from '../command.js';
import { checkRealmFlag, EXIT, parseFlags } from '../command.js';
import type { Config } from '../../config/config.js';
import { forgetDisconnection } from '../../qbo/auth/connections.js';
import { setRefreshToken } from '../../qbo/auth/token-store.js';
import { cutInput, UsageError } from '../../model/usage-error.js';
import { requireKey, withDb } from './auth-common.js';
import { CONNECT_USAGE, runConnect } from './auth-connect.js';
import { DISCONNECT_USAGE, runDisconnect } from './auth-disconnect.js';
import { runStatus, STATUS_USAGE } from './auth-status.js';

const SET_USAGE = 'qbo-backfill auth set [--realm ID] [--file PATH]';
const USAGE = [CONNECT_USAGE, SET_USAGE, STATUS_USAGE, DISCONNECT_USAGE].join(' | ');

/** Refresh tokens are opaque ASCII; anything with whitespace inside is a paste mistake. */
const TOKEN_SHAPE = /^[\x21-\x7e]{1,4096}$/;

function realmFrom(flag: string | undefined, config: Config): string {
  const realm = flag ?? config.qbo.realmId;
  if (realm === undefined) throw new UsageError(`--realm is required (or set QBO_REALM_ID); usage: ${USAGE}`);
  return checkRealmFlag(realm);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
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

  let raw: string;
  if (values.file !== undefined) {
    try {
      raw = await readFile(values.file, 'utf8');
    } catch {
      throw new UsageError(`--file: cannot read ${cutInput(values.file)}`);
    }
  } else {
    if ((io.stdin as { isTTY?: boolean }).isTTY) {
      io.stderr.write('paste the refresh token, then press Enter and Ctrl-D:\n');
    }
    raw = await readAll(io.stdin);
  }
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
    'connect a company through OAuth / store a refresh token (stdin or --file) / show token health, never values / disconnect a company',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'connect') return runConnect(rest, io);
    if (sub === 'set') return runSet(rest, io);
    if (sub === 'status') return runStatus(rest, io);
    if (sub === 'disconnect') return runDisconnect(rest, io);
    throw new UsageError(`expected a subcommand, connect, set, status or disconnect; usage: ${USAGE}`);
  },
};
