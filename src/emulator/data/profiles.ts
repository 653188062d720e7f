/**
 * Data volume profiles. `sandbox` looks like a small real company (tens of records per entity and
 * month); `large` has about 1,000 invoices a day (over a million in all), always generated lazily.
 */
export type ProfileName = 'sandbox' | 'large';

export const PROFILE_NAMES: readonly ProfileName[] = ['sandbox', 'large'];

/** Mean records per day, drawn per month uniformly from [min, max] so months differ. */
export interface Volume {
  readonly minPerDay: number;
  readonly maxPerDay: number;
}

export interface Profile {
  readonly name: ProfileName;
  /** Daily volume per QBO entity name; entities not listed fall back to `defaultVolume`. */
  readonly volumes: Readonly<Record<string, Volume>>;
  readonly defaultVolume: Volume;
  /** Minimum records on a pinned day (first day, around DST changes). */
  readonly pinnedMin: number;
  /** Generated days kept in memory (a least-recently-used cache), counted in records. */
  readonly cacheRecords: number;
}

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  sandbox: {
    name: 'sandbox',
    // 20-60 invoices, ~15-30 customer changes and ~10-25 item changes a month.
    volumes: {
      Invoice: { minPerDay: 0.7, maxPerDay: 2 },
      Customer: { minPerDay: 0.5, maxPerDay: 1 },
      Item: { minPerDay: 0.35, maxPerDay: 0.8 },
    },
    defaultVolume: { minPerDay: 0.3, maxPerDay: 1 },
    pinnedMin: 3,
    cacheRecords: 200_000,
  },
  large: {
    name: 'large',
    volumes: {
      Invoice: { minPerDay: 950, maxPerDay: 1050 },
      Customer: { minPerDay: 30, maxPerDay: 50 },
      Item: { minPerDay: 4, maxPerDay: 8 },
    },
    defaultVolume: { minPerDay: 20, maxPerDay: 40 },
    pinnedMin: 5,
    cacheRecords: 60_000,
  },
};

export function volumeOf(profile: Profile, qboName: string): Volume {
  return profile.volumes[qboName] ?? profile.defaultVolume;
}
