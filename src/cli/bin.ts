import { main } from './main.js';

// A reader that has had enough (`qbo-backfill entities | head`) closes the pipe: stop quietly,
// with the exit code so far, instead of an unhandled 'error' event and its stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

// The one place that hands the real process to the command line. Long-running commands (worker,
// dashboard, emulator) resolve only once they have shut down.
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
