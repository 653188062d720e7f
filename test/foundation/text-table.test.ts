import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { textTable } from '../../src/infra/text-table.js';

describe('text tables', () => {
  it('aligns text left and numbers right, two spaces apart, with no trailing spaces', () => {
    assert.equal(
      textTable(
        ['entity', 'rows', 'error'],
        [
          ['invoices', 1200, ''],
          ['items', 7, 'timeout'],
        ],
        { rule: true },
      ),
      ['entity    rows  error', '--------  ----  -------', 'invoices  1200', 'items        7  timeout'].join(
        '\n',
      ),
    );
  });

  it('draws no rule unless asked, and the header alone for no rows', () => {
    assert.equal(textTable(['realm', 'age'], [['123', '5m 2s']]), 'realm  age\n123    5m 2s');
    assert.equal(textTable(['realm', 'age'], [], { rule: true }), 'realm  age\n-----  ---');
  });
});
