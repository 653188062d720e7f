import cliProgress from 'cli-progress';

/** What one poll knows of a run. */
export interface RunProgress {
  runId: string;
  realmId: string;
  status: string;
  /** Windows no longer pending or running. */
  done: number;
  total: number;
  rows: number;
  /** When the run may start: a run that waits for it shows a countdown. */
  startAt?: Date;
}

/** Defaults of following runs, declared once. */
export const FOLLOW_DEFAULTS = Object.freeze({
  /** Time between two polls. @defaultValue 1000 */
  intervalMs: 1_000,
  /** Without a terminal, one plain line per run at most this often (and whenever a run ends). @defaultValue 10000 */
  plainEveryMs: 10_000,
});

export interface FollowOptions {
  /** Reads the runs followed (the same ids every time). */
  read: () => Promise<RunProgress[]>;
  /** QBO requests made so far for a realm, summed over the cluster; undefined when unknown. */
  requestsSoFar?: (realmId: string) => Promise<number | undefined>;
  /** Where the bars or lines go. */
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** See {@link FOLLOW_DEFAULTS.intervalMs}. */
  intervalMs?: number;
  /** See {@link FOLLOW_DEFAULTS.plainEveryMs}. */
  plainEveryMs?: number;
  /** Stops following early (SIGINT). */
  signal?: AbortSignal;
  /** The clock the countdown reads. Default: the system clock. */
  now?: () => number;
}

const LIVE = new Set(['scheduled', 'running']);
/** How far back the rates (windows and requests per minute) look. */
const RATE_SPAN_MS = 60_000;

/** `1h05m`, `4m10s`, `12s`. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

interface Sample {
  at: number;
  done: number;
  requests: number | undefined;
}

/** Keeps the last minute of samples of one run and derives its rates and ETA from them. */
class RateTracker {
  private samples: Sample[] = [];

  add(sample: Sample): void {
    this.samples.push(sample);
    while (this.samples.length > 2 && sample.at - (this.samples[0]?.at ?? 0) > RATE_SPAN_MS)
      this.samples.shift();
  }

  private span(): [Sample, Sample] | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    return first && last && last.at > first.at ? [first, last] : undefined;
  }

  requestsPerMinute(): number | undefined {
    const span = this.span();
    if (!span || span[0].requests === undefined || span[1].requests === undefined) return undefined;
    return ((span[1].requests - span[0].requests) / (span[1].at - span[0].at)) * 60_000;
  }

  etaMs(remaining: number): number | undefined {
    const span = this.span();
    if (!span || remaining === 0) return remaining === 0 ? 0 : undefined;
    const perMs = (span[1].done - span[0].done) / (span[1].at - span[0].at);
    return perMs > 0 ? remaining / perMs : undefined;
  }
}

/**
 * When the run ends, as a person reads it: `starts in 1m28s` while it waits for its start,
 * `ETA 4m10s` once windows end at a known pace (`ETA ?` before), its status once it has ended.
 */
function whenText(p: RunProgress, etaMs: number | undefined, now: number): string {
  if (!LIVE.has(p.status)) return p.status;
  if (p.status === 'scheduled' && p.startAt && p.startAt.getTime() > now)
    return `starts in ${formatDuration(p.startAt.getTime() - now)}`;
  return `ETA ${etaMs === undefined ? '?' : formatDuration(etaMs)}`;
}

/**
 * The figures shown for a run, as short strings that fit an 80-column line together. (Not named
 * like cli-progress's own tokens, `eta` among them, which it would fill with bare seconds.)
 */
export function progressFields(
  p: RunProgress,
  rates: { rpm: number | undefined; etaMs: number | undefined },
  now = Date.now(),
) {
  return {
    runId: p.runId,
    status: p.status,
    rows: p.rows.toLocaleString('en-US'),
    rpm: rates.rpm === undefined ? '-' : String(Math.round(rates.rpm)),
    when: whenText(p, rates.etaMs, now),
  };
}

/** One plain line (logs, CI, pipes): no escape codes. */
export function plainLine(p: RunProgress, fields: ReturnType<typeof progressFields>): string {
  const head = `${p.runId} ${p.status}: ${p.done}/${p.total} windows, ${fields.rows} rows`;
  return LIVE.has(p.status) ? `${head}, ${fields.rpm} req/min, ${fields.when}` : head;
}

/**
 * Follows runs until every one of them has ended (or the signal aborts), drawing a live bar per run
 * on a terminal (cli-progress) and printing plain lines otherwise. Resolves with the runs' last state.
 */
export async function followRuns(options: FollowOptions): Promise<RunProgress[]> {
  const intervalMs = options.intervalMs ?? FOLLOW_DEFAULTS.intervalMs;
  const plainEveryMs = options.plainEveryMs ?? FOLLOW_DEFAULTS.plainEveryMs;
  const tty = options.stream.isTTY === true;
  const trackers = new Map<string, RateTracker>();
  const lastPlain = new Map<string, { at: number; line: string }>();
  const multi = tty
    ? new cliProgress.MultiBar(
        {
          stream: options.stream,
          format: '{runId} {bar} {value}/{total} windows {rows} rows {rpm}/min {when}',
          barsize: 12,
          hideCursor: true,
          clearOnComplete: false,
          stopOnComplete: false,
          forceRedraw: true,
          autopadding: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const bars = new Map<string, cliProgress.SingleBar>();

  let latest: RunProgress[] = [];
  try {
    for (;;) {
      latest = await options.read();
      const now = (options.now ?? Date.now)();
      for (const p of latest) {
        const requests = options.requestsSoFar ? await options.requestsSoFar(p.realmId) : undefined;
        let tracker = trackers.get(p.runId);
        if (!tracker) trackers.set(p.runId, (tracker = new RateTracker()));
        tracker.add({ at: now, done: p.done, requests });
        const fields = progressFields(
          p,
          { rpm: tracker.requestsPerMinute(), etaMs: tracker.etaMs(p.total - p.done) },
          now,
        );
        if (multi) {
          const bar = bars.get(p.runId);
          if (bar) bar.update(p.done, fields);
          else bars.set(p.runId, multi.create(p.total, p.done, fields));
        } else {
          const line = plainLine(p, fields);
          const last = lastPlain.get(p.runId);
          const ended = !LIVE.has(p.status);
          const due =
            !last || (now - last.at >= plainEveryMs && last.line !== line) || (ended && last.line !== line);
          if (due) {
            options.stream.write(`${line}\n`);
            lastPlain.set(p.runId, { at: now, line });
          }
        }
      }
      if (latest.every((p) => !LIVE.has(p.status)) || options.signal?.aborted) return latest;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', wake);
          resolve();
        };
        const timer = setTimeout(wake, intervalMs);
        options.signal?.addEventListener('abort', wake, { once: true });
      });
    }
  } finally {
    multi?.stop();
  }
}
