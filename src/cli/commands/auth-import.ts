import { REALM_ID_PATTERN } from '../../config/qbo-environments.js';
import { forgetDisconnections } from '../../qbo/auth/connections.js';
import { setRefreshTokens } from '../../qbo/auth/token-store.js';
import { UsageError } from '../../model/usage-error.js';
import { EXIT, parseFlags, type CommandIo } from '../command.js';
import { readSecretInput, requireKey, TOKEN_SHAPE, withDb } from './auth-common.js';

export const IMPORT_USAGE = 'qbo-backfill auth import [--file PATH]';

/** One line of an import: a company and its refresh token. */
export interface ImportedToken {
  realmId: string;
  refreshToken: string;
}

/**
 * Reads the lines `<realm id>,<refresh token>` (a tab also separates; spaces around either are
 * ignored, and so are blank lines). The first bad line fails the whole import, named by its
 * number; the message never quotes the line, which holds a secret (a realm and token swapped
 * would otherwise print the token).
 */
export function parseImport(text: string): ImportedToken[] {
  const tokens: ImportedToken[] = [];
  const lineOf = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    const bad = (what: string) =>
      new UsageError(`line ${i + 1}: ${what}; expected <realm id>,<refresh token>; nothing was imported`);
    const at = line.search(/[,\t]/);
    if (at < 0) throw bad('no comma or tab between the realm id and the refresh token');
    const realmId = line.slice(0, at).trim();
    const refreshToken = line.slice(at + 1).trim();
    if (!REALM_ID_PATTERN.test(realmId)) throw bad('the realm id is not a numeric company id');
    if (!TOKEN_SHAPE.test(refreshToken))
      throw bad('the refresh token is empty or holds spaces or non-printable characters');
    const earlier = lineOf.get(realmId);
    if (earlier !== undefined) throw bad(`realm ${realmId} is already on line ${earlier}`);
    lineOf.set(realmId, i + 1);
    tokens.push({ realmId, refreshToken });
  }
  if (tokens.length === 0)
    throw new UsageError('no realms to import: give lines <realm id>,<refresh token> on stdin or in --file');
  return tokens;
}

/**
 * `auth import`: many companies' refresh tokens at once, as a team moving from another tool has
 * them. All or nothing: every line is checked before anything is stored, and the tokens are
 * stored in one transaction; each realm counts as connected again, like `auth set`.
 */
export async function runImport(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, { file: { type: 'string' } }, IMPORT_USAGE, true);
  if (positionals.length > 0)
    throw new UsageError('auth import takes its lines from stdin or --file, never as arguments');
  const config = io.config();
  const key = requireKey(config);
  const raw = await readSecretInput(
    values.file,
    io,
    'paste lines <realm id>,<refresh token>, then press Enter and Ctrl-D:',
  );
  const tokens = parseImport(raw);
  const now = io.now();
  await withDb(config, (db) =>
    db.transaction().execute(async (trx) => {
      await setRefreshTokens(trx, key, tokens, { now });
      await forgetDisconnections(
        trx,
        tokens.map((t) => t.realmId),
      );
    }),
  );
  io.out(`imported ${tokens.length} realms`);
  return EXIT.ok;
}
