/**
 * Query answers kept as bytes, for benchmarks only (`cacheReplies`, off by default). The ingest
 * benchmark times the workers; the emulator stands in for QBO, whose cost of answering a query is
 * not the workers' but shares the benchmark machine's cores with them. With the cache on, a
 * statement asked again of a realm whose data has not changed since (its store's version) gets the
 * very bytes of the first answer, `time` envelope included, without running the query or
 * serialising the page again. Workers cannot tell: the body is the same JSON.
 */
import type { Reply } from './query-endpoint.js';

/** An answer as sent: the bytes of its body. */
export interface CachedReply extends Omit<Reply, 'body'> {
  readonly body: Buffer;
}

/**
 * Bytes the cache holds at most; past it, it starts over empty.
 * @defaultValue 512 MiB (the ingest bench's 60 pages of 1000 invoices take ~80 MiB)
 */
export const REPLY_CACHE_MAX_BYTES = 512 * 1024 * 1024;

export class ReplyCache {
  private readonly replies = new Map<string, { version: number; reply: CachedReply }>();
  private bytes = 0;

  constructor(private readonly maxBytes = REPLY_CACHE_MAX_BYTES) {}

  /** The answer cached for `key` while the data is at `version`, if any. */
  get(key: string, version: number): CachedReply | undefined {
    const hit = this.replies.get(key);
    return hit?.version === version ? hit.reply : undefined;
  }

  /** Keeps a successful answer as bytes and returns it. */
  keep(key: string, version: number, reply: Reply): CachedReply {
    const cached: CachedReply = { ...reply, body: Buffer.from(reply.body) };
    if (reply.status !== 200) return cached;
    if (this.bytes + cached.body.length > this.maxBytes) {
      this.replies.clear();
      this.bytes = 0;
    }
    const old = this.replies.get(key);
    if (old) this.bytes -= old.reply.body.length;
    this.replies.set(key, { version, reply: cached });
    this.bytes += cached.body.length;
    return cached;
  }
}
