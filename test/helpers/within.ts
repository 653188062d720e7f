/**
 * Rejects when `promise` has not settled within `ms`: a hang fails the test instead of stalling
 * it. The bound only limits how long the test waits for something that must happen; give it room
 * to spare on a slow machine.
 */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
    }),
  ]);
}
