/**
 * `COPY ... FROM STDIN` over a plain pg client, for the benchmarks' staging-table variant only:
 * pg-copy-streams is not a dependency, and pg accepts any object with `submit` as a query.
 */
import type pg from 'pg';

interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

class CopyFromQuery {
  callback?: (err: Error | null) => void;
  private error: Error | null = null;
  constructor(
    private readonly text: string,
    private readonly data: Buffer,
  ) {}
  submit(connection: CopyConnection): void {
    connection.query(this.text);
  }
  handleCopyInResponse(connection: CopyConnection): void {
    connection.sendCopyFromChunk(this.data);
    connection.endCopyFrom();
  }
  handleCommandComplete(): void {}
  handleError(err: Error): void {
    this.error = err;
  }
  handleReadyForQuery(): void {
    this.callback?.(this.error);
  }
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
}

/** Runs `COPY <target> FROM STDIN` with `data` (COPY text format) on one client. */
export function copyFrom(client: pg.PoolClient, target: string, data: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const q = new CopyFromQuery(`COPY ${target} FROM STDIN`, Buffer.from(data));
    q.callback = (err) => (err ? reject(err) : resolve());
    void (client as unknown as { query(q: CopyFromQuery): void }).query(q);
  });
}

/** One COPY text-format field: backslash, tab, newline and carriage return escaped; null as \N. */
export function copyField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  const s = String(value);
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c] as string) : s;
}
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
