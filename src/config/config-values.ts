import { readFileSync } from 'node:fs';

/** A configuration value is missing or malformed. The message is one line naming the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    expected: string,
  ) {
    super(`${variable}: ${expected}`);
  }
}

/** The process environment, or any stand-in for it (tests, the demo). */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads a variable, or the content of the file named by `NAME_FILE` (Docker/compose secrets).
 * Setting both is ambiguous and refused rather than silently preferring one.
 */
export function read(env: Env, name: string): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct !== undefined && direct !== '' && file !== undefined && file !== '') {
    throw new ConfigError(name, `set either ${name} or ${name}_FILE, not both`);
  }
  if (file !== undefined && file !== '') {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch {
      throw new ConfigError(`${name}_FILE`, `expected a readable file holding the value (cannot read it)`);
    }
  }
  return direct === '' ? undefined : direct;
}

export function url(env: Env, name: string, fallback: string, protocols: string[]): string {
  const value = read(env, name) ?? fallback;
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `expected a URL starting with ${protocols.join(' or ')}`);
  }
  return value;
}

export function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) {
    throw new ConfigError(name, `expected an integer from ${min} to ${max}`);
  }
  return n;
}

/** One of `choices`; the message lists them as `a, b or c` (or `one of a, b, c` when asked). */
export function oneOf<T extends string>(
  env: Env,
  name: string,
  fallback: T,
  choices: readonly T[],
  expected: string,
): T {
  const value = (read(env, name) ?? fallback) as T;
  if (!choices.includes(value)) throw new ConfigError(name, expected);
  return value;
}

export function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new ConfigError(name, 'expected 1 or 0');
}

export function timeZone(env: Env, name: string, fallback: string): string {
  const value = read(env, name) ?? fallback;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
  } catch {
    throw new ConfigError(name, 'expected an IANA time zone such as America/Guayaquil');
  }
  return value;
}

export function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child && typeof child === 'object' && !Buffer.isBuffer(child)) deepFreeze(child as object);
  }
  return Object.freeze(value);
}
