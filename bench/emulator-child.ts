/**
 * The emulator in a process of its own, for benchmarks: QBO is remote in production, so its
 * serialisation cost must not share the workers' event loop. Prints one JSON line with the URL and
 * credentials once it listens; exits when its parent closes stdin or on SIGTERM.
 *
 *   node --import tsx bench/emulator-child.ts '{"profile":"large","seed":11,"config":{...}}'
 */
import { startEmulator, type EmulatorOptions } from '@qbo-backfill/emulator';

const options = JSON.parse(process.argv[2] ?? '{}') as EmulatorOptions;
const emulator = await startEmulator({ port: 0, ...options });
process.stdout.write(
  `${JSON.stringify({
    url: emulator.url,
    realmIds: emulator.realmIds,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    refreshToken: emulator.refreshToken,
    tokenUrl: emulator.tokenUrl,
  })}\n`,
);
let closing = false;
const close = () => {
  if (closing) return;
  closing = true;
  void emulator.close().then(() => process.exit(0));
};
process.stdin.on('end', close);
process.stdin.resume();
process.on('SIGTERM', close);
