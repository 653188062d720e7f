import { readFile } from 'node:fs/promises';
import type { Command, CommandIo } from '../command.js';
import { checkRealmFlag, EXIT, parseFlags } from '../command.js';
import { requireValue, type Config } from '../../shared/config.js';
import { createDb, type Db } from '../../shared/db.js';
import { getTokenStatus, setRefreshToken, type TokenStatus } from '../../shared/token-store.js';
import { textTable } from '../../shared/text-table.js';
import { utcInstant } from '../../shared/time-format.js';
import { CommandFailedError, cutInput, quoteInput, UsageError } from '../../shared/usage-error.js';

const USAGE =
  'qbo-backfill auth set [--realm ID] [--file PATH] | qbo-backfill auth status [--realm ID] [--json]';

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

/** An operator error (table missing: not migrated) deserves a hint rather than a SQL message. */
async function withDb<T>(config: Config, work: (db: Db) => Promise<T>): Promise<T> {
  const db = createDb(config.databaseUrl, { max: 1, applicationName: 'qbo-backfill auth' });
  try {
    return await work(db);
  } catch (err) {
    if ((err as { code?: unknown }).code === '42P01') {
      throw new CommandFailedError('the token store does not exist yet: run qbo-backfill migrate first');
    }
    throw err;
  } finally {
    await db.destroy();
  }
}

async function runSet(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { realm: { type: 'string' }, file: { type: 'string' } },
    'qbo-backfill auth set [--realm ID] [--file PATH]',
    true,
  );
  if (positionals.length > 0) {
    // A token on the command line would land in shell history and the process list.
    throw new UsageError('auth set takes the token from stdin or --file, never as an argument');
  }
  const config = io.config();
  const realmId = realmFrom(values.realm, config);
  const key = requireValue(
    config.tokenEncryptionKey,
    'TOKEN_ENCRYPTION_KEY',
    'required to store tokens encrypted (e.g. openssl rand -hex 32)',
  );

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

  await withDb(config, (db) => setRefreshToken(db, key, realmId, token));
  io.out(
    `stored a new refresh token for realm ${realmId} (encrypted); workers use it at their next token refresh`,
  );
  return EXIT.ok;
}

function duration(seconds: number | null): string {
  if (seconds === null) return '-';
  const sign = seconds < 0 ? '-' : '';
  let s = Math.abs(seconds);
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts = d ? [`${d}d`, `${h}h`] : h ? [`${h}h`, `${m}m`] : m ? [`${m}m`, `${s}s`] : [`${s}s`];
  return sign + parts.join(' ');
}

function iso(date: Date | null): string {
  return date === null ? '-' : utcInstant(date);
}

function toJson(s: TokenStatus) {
  return {
    realmId: s.realmId,
    refreshTokenObtainedAt: s.refreshTokenObtainedAt.toISOString(),
    refreshTokenAgeSeconds: s.refreshTokenAgeSeconds,
    refreshTokenExpiresAt: s.refreshTokenExpiresAt?.toISOString() ?? null,
    accessTokenExpiresAt: s.accessTokenExpiresAt?.toISOString() ?? null,
    accessTokenExpiresInSeconds: s.accessTokenExpiresInSeconds,
    lastRefreshAt: s.refreshedAt?.toISOString() ?? null,
    refreshCount: s.refreshCount,
  };
}

async function runStatus(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { realm: { type: 'string' }, json: { type: 'boolean' } },
    'qbo-backfill auth status [--realm ID] [--json]',
    true,
  );
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument ${quoteInput(positionals[0] as string)}`);
  if (values.realm !== undefined) checkRealmFlag(values.realm);
  const config = io.config();
  const rows = await withDb(config, (db) =>
    getTokenStatus(db, values.realm !== undefined ? { realmId: values.realm } : {}),
  );

  if (values.json) {
    io.out(JSON.stringify({ realms: rows.map(toJson) }));
    return EXIT.ok;
  }
  if (rows.length === 0) {
    io.out('no tokens stored; store one with: qbo-backfill auth set --realm ID');
    return EXIT.ok;
  }
  const header = [
    'realm',
    'refresh token age',
    'obtained at (UTC)',
    'refresh token expires (UTC)',
    'access token expires in',
    'last refresh (UTC)',
    'refreshes',
  ];
  const table = rows.map((s) => [
    s.realmId,
    duration(s.refreshTokenAgeSeconds),
    iso(s.refreshTokenObtainedAt),
    iso(s.refreshTokenExpiresAt),
    s.accessTokenExpiresInSeconds === null
      ? 'none'
      : s.accessTokenExpiresInSeconds <= 0
        ? 'expired'
        : duration(s.accessTokenExpiresInSeconds),
    iso(s.refreshedAt),
    String(s.refreshCount),
  ]);
  io.out(textTable(header, table));
  return EXIT.ok;
}

export const authCommand: Command = {
  name: 'auth',
  summary: 'store a refresh token (from stdin or --file) / show token ages, never values',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'set') return runSet(rest, io);
    if (sub === 'status') return runStatus(rest, io);
    throw new UsageError(`expected a subcommand, set or status; usage: ${USAGE}`);
  },
};
