/**
 * Record content that breaks careless pipelines, served on demand (`hostileRecords`): every record
 * gets a `PrivateNote` of one of these kinds, chosen by its Id so a record reads the same on every
 * page and pass. QBO's notes and memos are free text typed by people and pasted from anywhere: all
 * of these have been seen in real companies' data.
 */
import type { EmRecord } from './record.js';

export const HOSTILE_KINDS = ['quotes', 'sql', 'long', 'nested', 'astral', 'nul', 'lone-surrogate'] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

/** How deep the `nested` kind goes. */
export const HOSTILE_NESTING = 500;
/** Characters of the `long` kind's string. */
export const HOSTILE_LONG_CHARS = 100_000;

/** The JSON text of the note of one kind (lone surrogates only exist as escapes in JSON text). */
export function hostileJson(kind: HostileKind): string {
  switch (kind) {
    case 'quotes':
      return JSON.stringify(`O'Brien said "it's \\"fine\\"" \`ok\` ; -- done`);
    case 'sql':
      return JSON.stringify(`'); DROP TABLE raw.qb_invoices; -- $$ $1 \\x00 E'\\\\'`);
    case 'long':
      return JSON.stringify('x'.repeat(HOSTILE_LONG_CHARS - 1) + 'é');
    case 'nested':
      return '{"a":'.repeat(HOSTILE_NESTING) + '"deep"' + '}'.repeat(HOSTILE_NESTING);
    case 'astral':
      return JSON.stringify('emoji 😀 music 𝄞 math 𝔸 cjk 𠀋');
    case 'nul':
      return '"before\\u0000after"';
    case 'lone-surrogate':
      return '"half \\ud83d of an emoji"';
  }
}

export function hostileKindOf(id: number): HostileKind {
  return HOSTILE_KINDS[id % HOSTILE_KINDS.length] as HostileKind;
}

/**
 * A record's JSON text with its `PrivateNote` replaced by hostile content (JSON.stringify writes
 * a NUL as `\u0000` and a lone surrogate as its escape, exactly as they arrive from QBO).
 */
export function withHostileNote(record: EmRecord): string {
  const note: unknown = JSON.parse(hostileJson(hostileKindOf(record.id)));
  return JSON.stringify({ ...(record.payload as object), PrivateNote: note });
}
