/**
 * Seeded pseudo-random numbers. Every generated value of the emulator's companies comes from here,
 * never from `Math.random`, so that one seed always yields the same company, byte for byte.
 */

/** A source of uniform floats in [0, 1). */
export type Rng = () => number;

/** mulberry32: a tiny, fast 32-bit generator; plenty for fake accounting data. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Hashes any list of numbers and strings to a 32-bit seed (cyrb53-style mixing), so that each
 * (seed, realm, entity, day) gets its own independent stream and days can be generated in any order.
 */
export function hashSeed(...parts: (string | number)[]): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  const text = parts.join('\u0001');
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 ^ h2) >>> 0;
}

/**
 * `hashSeed(...parts, n)` for many `n` (a non-negative safe integer): the parts are hashed once,
 * then each call mixes in only the digits of `n`, without building a string. A realm's records
 * and days are each drawn from such a stream; the day index and per-day counts read every one of
 * them, so this is what lets a COUNT over years cost about what one day costs.
 */
export function hashSeeds(...parts: (string | number)[]): (n: number) => number {
  let p1 = 0xdeadbeef;
  let p2 = 0x41c6ce57;
  const text = `${parts.join('\u0001')}\u0001`;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    p1 = Math.imul(p1 ^ ch, 2654435761);
    p2 = Math.imul(p2 ^ ch, 1597334677);
  }
  return (n) => {
    let h1 = p1;
    let h2 = p2;
    let unit = 1;
    while (unit * 10 <= n) unit *= 10;
    // The decimal digits of n, most significant first: the characters of String(n).
    for (; unit >= 1; unit /= 10) {
      const ch = 48 + (Math.floor(n / unit) % 10);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return (h1 ^ h2) >>> 0;
  };
}

/** A generator dedicated to the given parts (see {@link hashSeed}). */
export function rngFor(...parts: (string | number)[]): Rng {
  return mulberry32(hashSeed(...parts));
}

/** Integer in [min, max], both inclusive. */
export function intBetween(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

/** One element of a non-empty list. */
export function pick<T>(rng: Rng, list: readonly T[]): T {
  return list[Math.floor(rng() * list.length)] as T;
}

/** True with the given probability. */
export function chance(rng: Rng, probability: number): boolean {
  return rng() < probability;
}

/** Poisson-distributed count (Knuth for small means, a rounded normal approximation for large ones). */
export function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 50) {
    // Box-Muller; the shape does not matter much at this size, only the mean and a plausible spread.
    const u = Math.max(rng(), 1e-12);
    const v = rng();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.max(0, Math.round(mean + z * Math.sqrt(mean)));
  }
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng();
  while (p > limit) {
    k++;
    p *= rng();
  }
  return k;
}
