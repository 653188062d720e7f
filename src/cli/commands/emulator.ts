import type { Command } from '../command.js';
import { EXIT, intFlag, parseFlags } from '../command.js';
import { untilSignal } from '../signals.js';
import { parseLogConfig } from '../../config/config.js';
import { quoteInput, UsageError } from '../../model/usage-error.js';
import type { EmulatorConfig, ProfileName } from '@qbo-backfill/emulator';

const USAGE =
  'qbo-backfill emulator [--port 8089] [--host 127.0.0.1] [--seed N] [--profile sandbox|large] [--realm ID ...] ' +
  '[--client-id ID] [--client-secret S] [--refresh-token T] [--requests-per-minute N] [--window-ms N] ' +
  '[--max-concurrent N] [--latency-ms MS|MIN,MAX] [--server-error-rate R] [--drop-rate R] [--truncate-rate R] ' +
  '[--xml429] [--access-token-ttl S] [--rotate-after S] [--grace S] [--drift-per-minute N] ' +
  '[--activity-per-minute N] [--webhook-url URL --webhook-verifier-token T] [--webhook-interval-ms MS] ' +
  '[--report-cell-limit N]';

/** Flag name → config key, for the numeric knobs. */
const NUMERIC_FLAGS: Record<string, keyof EmulatorConfig> = {
  'requests-per-minute': 'requestsPerMinute',
  'window-ms': 'windowMs',
  'max-concurrent': 'maxConcurrent',
  'server-error-rate': 'serverErrorRate',
  'drop-rate': 'dropRate',
  'truncate-rate': 'truncateRate',
  'access-token-ttl': 'accessTokenTtlSeconds',
  'rotate-after': 'rotateRefreshTokenAfterSeconds',
  grace: 'refreshTokenGraceSeconds',
  'drift-per-minute': 'driftPerMinute',
  'activity-per-minute': 'activityPerMinute',
  'webhook-interval-ms': 'webhookIntervalMs',
  'report-cell-limit': 'reportCellLimit',
};

/** Flag name → config key, for the text knobs. */
const TEXT_FLAGS: Record<string, keyof EmulatorConfig> = {
  'webhook-url': 'webhookUrl',
  'webhook-verifier-token': 'webhookVerifierToken',
};

function numberFlag(value: string, name: string): number {
  if (!/^\d+(\.\d+)?$/.test(value.trim()))
    throw new UsageError(`--${name}: expected a non-negative number, got ${quoteInput(value)}`);
  return Number(value);
}

export const emulatorCommand: Command = {
  name: 'emulator',
  summary: 'serve the built-in QBO emulator (token, query and CDC endpoints, limits and faults)',
  usage: USAGE,
  async run(argv, io) {
    // Loaded on use: the emulator and its data generators stay out of every other command's process.
    const { EMULATOR_DEFAULTS, EmulatorConfigError, PROFILE_NAMES, startEmulator, validateConfigPatch } =
      await import('@qbo-backfill/emulator');
    const { values, positionals } = parseFlags(
      argv,
      {
        port: { type: 'string' },
        host: { type: 'string' },
        seed: { type: 'string' },
        profile: { type: 'string' },
        realm: { type: 'string', multiple: true },
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        'refresh-token': { type: 'string' },
        'latency-ms': { type: 'string' },
        xml429: { type: 'boolean' },
        ...Object.fromEntries(Object.keys(TEXT_FLAGS).map((name) => [name, { type: 'string' as const }])),
        ...Object.fromEntries(Object.keys(NUMERIC_FLAGS).map((name) => [name, { type: 'string' as const }])),
      },
      USAGE,
      true,
    );
    if (positionals.length > 0)
      throw new UsageError(`unexpected argument ${quoteInput(positionals[0] as string)}; usage: ${USAGE}`);
    const flags = values as Record<string, string | string[] | boolean | undefined>;
    const str = (name: string) => flags[name] as string | undefined;

    const port = intFlag(str('port'), 'port', 0, 65535) ?? EMULATOR_DEFAULTS.port;
    const seedText = str('seed');
    if (seedText !== undefined && !/^-?\d{1,15}$/.test(seedText)) {
      throw new UsageError(`--seed: expected an integer, got ${quoteInput(seedText)}`);
    }
    const profile = str('profile') ?? EMULATOR_DEFAULTS.profile;
    if (!PROFILE_NAMES.includes(profile as ProfileName)) {
      throw new UsageError(
        `--profile: expected one of ${PROFILE_NAMES.join(', ')}, got ${quoteInput(profile)}`,
      );
    }
    const realms = flags.realm as string[] | undefined;
    for (const realm of realms ?? []) {
      if (!/^[A-Za-z0-9_-]+$/.test(realm))
        throw new UsageError(
          `--realm: expected letters, digits, dashes or underscores, got ${quoteInput(realm)}`,
        );
    }
    for (const name of ['client-id', 'client-secret', 'refresh-token', 'host']) {
      if (str(name) === '') throw new UsageError(`--${name}: must not be empty`);
    }

    const patch: Record<string, unknown> = {};
    for (const [name, key] of Object.entries(NUMERIC_FLAGS)) {
      const value = str(name);
      if (value !== undefined) patch[key] = numberFlag(value, name);
    }
    const latency = str('latency-ms');
    if (latency !== undefined) {
      const parts = latency.split(',').map((p) => numberFlag(p, 'latency-ms'));
      if (parts.length > 2) throw new UsageError('--latency-ms: expected MS or MIN,MAX');
      patch.latencyMs = parts.length === 1 ? parts[0] : parts;
    }
    for (const [name, key] of Object.entries(TEXT_FLAGS)) {
      const value = str(name);
      if (value !== undefined) patch[key] = value;
    }
    if ((patch.webhookUrl === undefined) !== (patch.webhookVerifierToken === undefined))
      throw new UsageError('--webhook-url and --webhook-verifier-token go together');
    if (flags.xml429 === true) patch.xml429 = true;
    let config: Partial<EmulatorConfig>;
    try {
      config = validateConfigPatch(patch);
    } catch (err) {
      if (err instanceof EmulatorConfigError) throw new UsageError(err.message);
      throw err;
    }

    // Only the log settings: the emulator needs no database, so a bad DATABASE_URL must not stop it.
    const log = io.logger(parseLogConfig(io.env), 'qbo-emulator');
    const emulator = await startEmulator({
      port,
      host: str('host') ?? EMULATOR_DEFAULTS.host,
      seed: seedText === undefined ? EMULATOR_DEFAULTS.seed : Number(seedText),
      profile: profile as ProfileName,
      realmIds: realms,
      clientId: str('client-id'),
      clientSecret: str('client-secret'),
      refreshToken: str('refresh-token'),
      config,
      logger: log,
    });
    // Emulator values, not secrets: printed so that a user can point the product at it.
    io.out(
      `QBO emulator listening on ${emulator.url} (profile ${profile}, seed ${seedText ?? EMULATOR_DEFAULTS.seed})`,
    );
    io.out(`token endpoint: ${emulator.tokenUrl}`);
    io.out(`realm ids: ${emulator.realmIds.join(', ')}`);
    io.out(`client id: ${emulator.clientId}`);
    io.out(`initial refresh token: ${emulator.refreshToken}`);

    await untilSignal(() => emulator.close(), log);
    io.out('QBO emulator stopped');
    return EXIT.ok;
  },
};
