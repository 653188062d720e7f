import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pageText, parseQboBody } from '../../src/qbo/qbo-json.js';
import { pageRecords, parseRecord } from '../../src/qbo/qbo-record.js';
import { pagePayloads } from '../../src/raw/upsert-page.js';

const queryResponse = (body: string) =>
  (parseQboBody(body) as { QueryResponse: Record<string, unknown> }).QueryResponse;

describe('records remember the response body they were read from', () => {
  it('marks each record array of QueryResponse with the body and its path, and nothing else', () => {
    const body =
      '{"QueryResponse":{"startPosition":1,"Invoice":[{"Id":"1"},{"Id":"2"}],"maxResults":2},"time":"x"}';
    const parsed = parseQboBody(body);
    // The parsed value is exactly JSON.parse's: the mark is a hidden property.
    assert.deepEqual(parsed, JSON.parse(body));
    const rows = pageRecords(queryResponse(body), 'Invoice');
    assert.deepEqual(pageText(rows), { body, path: ['QueryResponse', 'Invoice'] });
    const records = rows.map(parseRecord);
    assert.deepEqual(
      records.map((r) => [r.id, r.source?.index, r.source?.page.body === body]),
      [
        ['1', 0, true],
        ['2', 1, true],
      ],
    );
    assert.deepEqual(pagePayloads(records), {
      json: body,
      path: ['QueryResponse', 'Invoice'],
      positions: [1, 2],
    });
  });

  it('leaves empty pages, counts and faults as JSON.parse reads them', () => {
    assert.deepEqual(pageRecords(queryResponse('{"QueryResponse":{},"time":"x"}'), 'Invoice'), []);
    assert.deepEqual(parseQboBody('{"QueryResponse":{"totalCount":42}}'), {
      QueryResponse: { totalCount: 42 },
    });
    assert.deepEqual(parseQboBody('{"Fault":{"Error":[{"code":"4000"}]}}'), {
      Fault: { Error: [{ code: '4000' }] },
    });
    assert.throws(() => parseQboBody('{"QueryResponse":{"Invoice":[{"Id":"1"}'), SyntaxError);
  });

  it('serialises records that were not read from one body, and never mixes a body with them', () => {
    const body = '{"QueryResponse":{"Invoice":[{"Id":"1"},{"Id":"2"}]}}';
    const fromBody = pageRecords(queryResponse(body), 'Invoice').map(parseRecord);
    const built = parseRecord({ Id: '3', Tags: ['a'] });
    assert.equal(built.source, undefined);
    // A copy of the array (filter, slice) has no mark: its records are serialised.
    assert.equal(pageRecords(queryResponse(body), 'Invoice').slice(1).map(parseRecord)[0]?.source, undefined);
    assert.deepEqual(pagePayloads([fromBody[1]!, built]), {
      json: '[{"Id":"2"},{"Id":"3","Tags":["a"]}]',
      path: [],
      positions: [1, 2],
    });
    const otherBody = pageRecords(queryResponse(body), 'Invoice').map(parseRecord);
    assert.equal(pagePayloads([fromBody[0]!, otherBody[1]!]).path.length, 0);
  });
});
