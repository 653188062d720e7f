// The Docker side of `npm run test:compose`: the tools, the engine, the base images and the
// compose command line. Everything runs on this machine's loopback: the engine is started without
// a bridge network, builds use the host's network, and no container address is ever contacted.
import { spawn, spawnSync } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/project-root.js';

export { ROOT };

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, capturing its output; throws with the output when it fails. */
export async function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; allowFailure?: boolean; input?: string } = {},
): Promise<RunResult> {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: options.env ?? process.env,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  if (options.input !== undefined) {
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);
  }
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0 && !options.allowFailure) {
    const tail = (stderr || stdout).trim().split('\n').slice(-15).join('\n');
    throw new Error(`${command} ${args.join(' ')} exited ${code}:\n${tail}`);
  }
  return { code, stdout, stderr };
}

function have(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Debian packages this test needs: the engine, compose, debootstrap (stand-in images) and promtool.
 * Installed through apt when missing and running as root, as on a fresh machine of the project.
 */
export async function ensureTools(log: (line: string) => void): Promise<void> {
  const wanted: [string, string][] = [
    ['dockerd', 'docker.io'],
    ['debootstrap', 'debootstrap'],
    ['promtool', 'prometheus'],
  ];
  const composeMissing = !(await composeCommand()).length;
  const missing = wanted.filter(([bin]) => !have(bin)).map(([, pkg]) => pkg);
  if (!have('docker')) missing.push('docker.io');
  if (composeMissing) missing.push('docker-compose');
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages ${missing.join(' ')}: install them (as root) first`);
  }
  log(`installing ${[...new Set(missing)].join(' ')} from Debian`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-qq'], { env });
  await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...new Set(missing)], { env });
}

/** `docker compose` (v2) when the plugin is there, else `docker-compose` (1.29); [] when neither. */
export async function composeCommand(): Promise<string[]> {
  if (
    (await run('docker', ['compose', 'version'], { allowFailure: true }).catch(() => undefined))?.code === 0
  ) {
    return ['docker', 'compose'];
  }
  if (have('docker-compose')) return ['docker-compose'];
  return [];
}

async function engineUp(): Promise<boolean> {
  return (await run('docker', ['info', '--format', '{{.ServerVersion}}'], { allowFailure: true })).code === 0;
}

/**
 * Starts dockerd when none answers: no default bridge and no iptables rules, so containers get
 * either the host's network (this test) or none. It keeps running afterwards, with the images.
 */
export async function ensureEngine(log: (line: string) => void): Promise<void> {
  if (await engineUp()) return;
  const logFile = '/var/log/qbo-backfill-dockerd.log';
  const out = openSync(logFile, 'a');
  const child = spawn('dockerd', ['--bridge=none', '--iptables=false', '--ip6tables=false'], {
    detached: true,
    stdio: ['ignore', out, out],
  });
  child.unref();
  log(`started dockerd (pid ${child.pid}, no bridge network, log ${logFile})`);
  for (let i = 0; i < 60; i++) {
    if (await engineUp()) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`dockerd did not answer within 60 s: see ${logFile}`);
}

export interface BaseImages {
  NODE_IMAGE: string;
  POSTGRES_IMAGE: string;
  REDIS_IMAGE: string;
}

async function imagePresent(image: string): Promise<boolean> {
  return (await run('docker', ['image', 'inspect', image], { allowFailure: true })).code === 0;
}

/**
 * The official images when they are here or can be pulled; otherwise the stand-ins that
 * docker/standin/build.sh builds from Debian packages (once: they are cached by tag). Any of
 * NODE_IMAGE, POSTGRES_IMAGE, REDIS_IMAGE set in the environment is used as given.
 */
export async function baseImages(log: (line: string) => void): Promise<BaseImages> {
  const official: BaseImages = {
    NODE_IMAGE: 'node:20-slim',
    POSTGRES_IMAGE: 'postgres:15',
    REDIS_IMAGE: 'redis:7',
  };
  const chosen = { ...official };
  let officialOk = true;
  for (const key of Object.keys(official) as (keyof BaseImages)[]) {
    const given = process.env[key];
    if (given) {
      chosen[key] = given;
      continue;
    }
    if (await imagePresent(official[key])) continue;
    const pulled = await run('docker', ['pull', '--quiet', official[key]], { allowFailure: true });
    if (pulled.code !== 0) officialOk = false;
  }
  if (officialOk) return chosen;
  log('official images cannot be pulled here: using stand-ins built from Debian packages');
  const started = Date.now();
  const built = await run('bash', [join(ROOT, 'docker', 'standin', 'build.sh')]);
  for (const line of built.stderr.trim().split('\n')) if (line.startsWith('standin:')) log(line);
  log(`stand-in images ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const standin = Object.fromEntries(
    built.stdout
      .trim()
      .split('\n')
      .map((line) => line.split('=') as [string, string]),
  ) as unknown as BaseImages;
  for (const key of Object.keys(official) as (keyof BaseImages)[]) {
    if (!process.env[key] && !(await imagePresent(official[key]))) chosen[key] = standin[key];
  }
  return chosen;
}

/** Builds the product's image from the Dockerfile on the host's network (there is no bridge). */
export async function buildAppImage(tag: string, nodeImage: string): Promise<void> {
  await run('docker', [
    'build',
    '--network',
    'host',
    // A failed step's container is removed too (the classic builder keeps it otherwise).
    '--force-rm',
    '--quiet',
    '--build-arg',
    `NODE_IMAGE=${nodeImage}`,
    '-t',
    tag,
    '.',
  ]);
}
