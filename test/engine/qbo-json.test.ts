import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseQboBody, sourceText } from '../../src/workers/qbo-json.js';
import { pageRecords, parseRecord } from '../../src/workers/qbo-record.js';

const records = (body: string, key = 'Invoice') =>
  pageRecords((parseQboBody(body) as { QueryResponse: Record<string, unknown> }).QueryResponse, key);

describe('record text kept from the response body', () => {
  it('gives each record its exact text, whatever strings, escapes and spacing it holds', () => {
    const a = '{"Id":"1","Memo":"a \\"quoted\\" } ] { [ value \\\\","Amount":1e400}';
    const b = '{ "Id" : "2" , "Line" : [ {"x":[1,2,{"y":"]"}]} ] , "Big" : 12345678901234567890 }';
    const c = '{"Id":"3","Memo":"ends with a backslash \\\\"}';
    const body = `{"time":"2026-01-15T10:38:50.01-08:00","QueryResponse":{"startPosition":1,"Invoice":[${a},\n ${b} ,${c}],"maxResults":3}}`;
    const rows = records(body);
    assert.equal(rows.length, 3);
    assert.deepEqual(rows.map(sourceText), [a, b, c]);
    // Numbers a double cannot hold stay as QBO wrote them; parsing alone would round them.
    assert.equal(parseRecord(rows[1]).json, b);
    assert.equal((rows[1] as { Big: number }).Big, 12345678901234567000);
  });

  it('handles empty pages, counts, other envelopes and non-object rows without text', () => {
    assert.deepEqual(records('{"QueryResponse":{},"time":"x"}'), []);
    assert.deepEqual(records('{"QueryResponse":{"Invoice":[]}}'), []);
    assert.deepEqual(parseQboBody('{"QueryResponse":{"totalCount":42}}'), {
      QueryResponse: { totalCount: 42 },
    });
    assert.deepEqual(parseQboBody('{"Fault":{"Error":[{"code":"4000"}]}}'), {
      Fault: { Error: [{ code: '4000' }] },
    });
    const mixed = records('{"QueryResponse":{"Invoice":[1,null,{"Id":"9"}]}}');
    assert.deepEqual(mixed.map(sourceText), [undefined, undefined, '{"Id":"9"}']);
  });

  it('attaches nothing when a duplicated key makes text and parse disagree', () => {
    const rows = records('{"QueryResponse":{"Invoice":[{"Id":"1"},{"Id":"2"}],"Invoice":[{"Id":"3"}]}}');
    assert.deepEqual(rows, [{ Id: '3' }]);
    assert.equal(sourceText(rows[0]), '{"Id":"3"}');
    const shorter = records('{"QueryResponse":{"Invoice":[{"Id":"1"}],"Invoice":[{"Id":"3"},{"Id":"4"}]}}');
    assert.deepEqual(shorter.map(sourceText), ['{"Id":"3"}', '{"Id":"4"}']);
  });

  it('rejects what JSON.parse rejects, and records built in code have no text', () => {
    assert.throws(() => parseQboBody('{"QueryResponse":{"Invoice":[{"Id":"1"}'), SyntaxError);
    assert.equal(parseRecord({ Id: '1' }).json, undefined);
  });
});
