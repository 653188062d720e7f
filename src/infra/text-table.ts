import Table from 'cli-table3';
import { escapeControls } from './terminal-text.js';

/** No borders: columns two spaces apart, a dashed rule under the header when asked. */
function chars(rule: boolean) {
  const none = { top: '', 'top-mid': '', 'top-left': '', 'top-right': '' };
  return {
    ...none,
    bottom: '',
    'bottom-mid': '',
    'bottom-left': '',
    'bottom-right': '',
    left: '',
    'left-mid': '',
    mid: rule ? '-' : '',
    'mid-mid': rule ? '  ' : '',
    right: '',
    'right-mid': '',
    middle: '  ',
  };
}

/**
 * A plain-text table for terminals and logs: left-aligned text, right-aligned numbers, columns as
 * wide as their widest cell, no trailing spaces, control characters in cells escaped. The one
 * table renderer of the command line.
 */
export function textTable(
  headers: string[],
  rows: (string | number)[][],
  options: { rule?: boolean } = {},
): string {
  const rule = options.rule ?? false;
  const table = new Table({
    head: headers,
    chars: chars(rule),
    // compact: no line between body rows, only under the header.
    style: { compact: true, head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  for (const row of rows) {
    table.push(
      row.map((cell) =>
        // A cell may hold text from QBO (an error, a company name): one line, no terminal controls.
        typeof cell === 'number' ? { content: String(cell), hAlign: 'right' as const } : escapeControls(cell),
      ),
    );
  }
  const lines = table.toString().split('\n');
  // With no body rows cli-table3 draws no rule either: the header's own dashes stand in for it.
  if (rule && rows.length === 0) lines.push(headers.map((h) => '-'.repeat(h.length)).join('  '));
  // Without a rule, cli-table3 still draws the (empty) line under the header.
  return lines
    .filter((line, i) => rule || i !== 1 || line.trim() !== '')
    .map((line) => line.trimEnd())
    .join('\n');
}
