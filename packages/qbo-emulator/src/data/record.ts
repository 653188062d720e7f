/** One stored version of a QBO record, with the values the emulator filters and sorts on. */
export interface EmRecord {
  /** Numeric form of `Id` (unique per realm and entity). */
  readonly id: number;
  /** `MetaData.LastUpdatedTime` as epoch ms (whole seconds). */
  readonly lastUpdated: number;
  /** `MetaData.CreateTime` as epoch ms (whole seconds). */
  readonly created: number;
  /** Name-list entities only; transactions are always active. */
  readonly active: boolean;
  /** Hard-deleted transaction: absent from queries, a `status: "Deleted"` stub in CDC. */
  readonly deleted: boolean;
  /** The record exactly as QBO sends it (key order fixed, so its JSON is byte-stable). */
  readonly payload: Readonly<Record<string, unknown>>;
  /** Cached JSON of `payload` (or of the deletion stub). */
  json?: string;
}

/** The JSON QBO sends for the record: the full payload, or the CDC stub of a deleted one. */
export function recordJson(record: EmRecord): string {
  if (record.json === undefined) record.json = JSON.stringify(record.payload);
  return record.json;
}
