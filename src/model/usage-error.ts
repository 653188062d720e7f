/** Bad input from the user (usage, dates, entity names). Exit code 2; nothing was changed. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The work itself failed (exit code 1), with a message meant for the operator. */
export class CommandFailedError extends Error {
  override readonly name = 'CommandFailedError';
}

/**
 * The most characters of one piece of user input that an error message shows.
 * @defaultValue 60
 */
export const SHOWN_INPUT_CHARS = 60;

/** `value` through `show`, whole when short, else its first characters and its length. */
function shown(value: string, show: (part: string) => string): string {
  const chars = [...value];
  if (chars.length <= SHOWN_INPUT_CHARS) return show(value);
  return `${show(chars.slice(0, SHOWN_INPUT_CHARS).join(''))}… (${chars.length} characters)`;
}

/**
 * User input as an error message shows it: whole when short, else its first
 * {@link SHOWN_INPUT_CHARS} characters and its length (`--12345… (25000 characters)`), so a pasted
 * list or file keeps the error to one readable line.
 */
export function cutInput(value: string): string {
  return shown(value, (part) => part);
}

/** User input as an error message quotes it: JSON-quoted and cut like {@link cutInput} (`"12345"… (25000 characters)`). */
export function quoteInput(value: string): string {
  return shown(value, (part) => JSON.stringify(part));
}
