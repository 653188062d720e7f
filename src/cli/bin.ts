import { main } from './main.js';

// The one place that hands the real process to the command line. Long-running commands (worker,
// dashboard, emulator) resolve only once they have shut down.
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
