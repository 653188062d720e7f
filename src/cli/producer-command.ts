import { EXIT, parseFlags, type Command, type CommandIo, type FlagOptions } from './command.js';
import { withProducer, type ProducerContext } from './producer-context.js';
import { UsageError } from '../model/usage-error.js';

/** The values `parseFlags` reads for the given flag options. */
export type FlagValues<O extends FlagOptions> = ReturnType<typeof parseFlags<O>>['values'];

export interface ProducerCommandSpec<O extends FlagOptions, I> {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly flags: O;
  /**
   * Checks the flags and returns what `act` needs. It runs before the configuration is read and
   * anything is opened, so bad input touches nothing and says so in the usage error alone.
   */
  check(values: FlagValues<O>): I;
  /** The work, with the database and the queue open (closed whatever happens); the exit code. */
  act(ctx: ProducerContext, input: I, io: CommandIo): Promise<number>;
}

/** A command of the producer: flags checked, then the configuration read, then the work done. */
export function producerCommand<O extends FlagOptions, I>(spec: ProducerCommandSpec<O, I>): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    usage: spec.usage,
    async run(argv, io) {
      const { values } = parseFlags(argv, spec.flags, spec.usage);
      const input = spec.check(values);
      return withProducer(io.config(), (ctx) => spec.act(ctx, input, io));
    },
  };
}

/** `--run`, which the commands about one run require. */
export function requireRun(run: string | undefined): string {
  if (run === undefined || run === '') throw new UsageError('--run is required');
  return run;
}

/** A command about one run, named by `--run`: it prints the one line `act` returns. */
export function runCommand(
  name: string,
  summary: string,
  act: (ctx: ProducerContext, runId: string) => Promise<string>,
): Command {
  return producerCommand({
    name,
    summary,
    usage: `qbo-backfill ${name} --run ID`,
    flags: { run: { type: 'string' } },
    check: (values) => requireRun(values.run),
    async act(ctx, runId, io) {
      io.out(await act(ctx, runId));
      return EXIT.ok;
    },
  });
}
