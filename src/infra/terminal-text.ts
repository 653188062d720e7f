/* eslint-disable no-control-regex -- matching control characters is what this file is for */
/**
 * Text that came from outside (QBO's fault messages, intuit_tid, company names, a stored error)
 * is printed as data, never as instructions to the terminal: an escape sequence in it could
 * retitle the operator's terminal, clear it, or rewrite the lines above.
 */

/**
 * C0 controls and DEL, C1 controls (U+0080 to U+009F: 0x9B alone starts a sequence on some
 * terminals), and the bidirectional overrides that reorder what is shown.
 */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;
/** The same, less the line feed (multi-line output keeps its lines). */
const CONTROLS_BUT_NEWLINE =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;
/** A colour change (SGR), which the pretty log lines are made of: it cannot move, clear or retitle. */
const COLOUR = /^\u001b\[[0-9;]*m/u;

const escapeOne = (c: string) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`;

/**
 * `text` with every control character written as `\uXXXX`, visibly. That is also how JSON writes
 * them, so a JSON line stays the same JSON. `newlines: 'keep'` keeps line feeds (a block of
 * output); by default they are escaped too (one field of one line).
 */
export function escapeControls(text: string, newlines: 'keep' | 'escape' = 'escape'): string {
  return text.replace(newlines === 'keep' ? CONTROLS_BUT_NEWLINE : CONTROLS, escapeOne);
}

/** Like {@link escapeControls} with line feeds kept, but colour changes pass: for the pretty log. */
export function escapeControlsButColour(text: string): string {
  let out = '';
  let rest = text;
  for (let at = rest.indexOf('\u001b'); at >= 0; at = rest.indexOf('\u001b')) {
    const colour = COLOUR.exec(rest.slice(at));
    out += escapeControls(rest.slice(0, at), 'keep') + (colour ? colour[0] : escapeOne('\u001b'));
    rest = rest.slice(at + (colour ? colour[0].length : 1));
  }
  return out + escapeControls(rest, 'keep');
}

/** `1 request`, `3 requests`, `1,200 rows`: a count and its noun, in English. */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? noun : nouns}`;
}
