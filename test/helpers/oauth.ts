import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCliInProcess } from './cli.js';
import { createTestDatabase, type TestDatabase } from './db.js';

/** The first leg of a person's browser: the authorize page's redirect (consent or refusal), not followed. */
export async function consent(authorizeUrl: string): Promise<URL> {
  const res = await fetch(authorizeUrl, { redirect: 'manual' });
  assert.equal(res.status, 302, await res.text());
  return new URL(res.headers.get('location') as string);
}

/** The second leg: the callback, as the browser loads it. */
export async function callBack(url: URL | string): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}

/** `auth connect` (in this process) with `--no-open`, until it prints its authorize URL. */
export async function startConnect(env: Record<string, string | undefined>, args: string[] = []) {
  const cli = startCliInProcess(['auth', 'connect', '--port', '0', '--no-open', ...args], env);
  const authorize = new URL(
    (await cli.waitForOutput(/^open this URL to connect a company: (\S+)$/m))[1] as string,
  );
  return { cli, authorize, state: authorize.searchParams.get('state') as string };
}

/** Connects the company the emulator's authorize page consents to, the way a person would; resolves with `auth connect`'s output. */
export async function connectThroughCli(env: Record<string, string | undefined>): Promise<string> {
  const { cli, authorize } = await startConnect(env);
  const page = await callBack(await consent(authorize.toString()));
  assert.equal(page.status, 200, page.text);
  assert.equal(await cli.exited, 0, cli.stderr());
  return cli.stdout();
}

export interface AuthCommandStores {
  tdb: TestDatabase;
  /** A scratch folder for token files. */
  dir: string;
  env: Record<string, string | undefined>;
  /** Drops the database and removes the folder. */
  close(): Promise<void>;
}

/**
 * A fresh database, a scratch folder, and the environment of `auth` commands against them: QBO's
 * sandbox, `keyText` as TOKEN_ENCRYPTION_KEY, and none of the settings that would offer a token.
 */
export async function authCommandStores(keyText: string, dirLabel: string): Promise<AuthCommandStores> {
  const tdb = await createTestDatabase();
  const dir = await mkdtemp(path.join(tmpdir(), `${dirLabel}-`));
  return {
    tdb,
    dir,
    env: {
      DATABASE_URL: tdb.url,
      TOKEN_ENCRYPTION_KEY: keyText,
      QBO_ENVIRONMENT: 'sandbox',
      QBO_REALM_ID: undefined,
      QBO_REFRESH_TOKEN: undefined,
      TOKEN_ENCRYPTION_KEY_FILE: undefined,
    },
    close: async () => {
      await tdb.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
