import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pageText, parseQboBody } from '../../src/qbo/qbo-json.js';
import { pageRecords, parseRecord } from '../../src/qbo/qbo-record.js';
import { readPageRecords, readQueryResponse } from '../../src/qbo/qbo-response.js';
import { pagePayloads } from '../../src/raw/upsert-page.js';

/** What the window loop read from a body before the scan: JSON.parse, then parseRecord. */
function parsed(body: string, qboName = 'Invoice') {
  const queryResponse = (parseQboBody(body) as { QueryResponse: Record<string, unknown> }).QueryResponse;
  return pageRecords(queryResponse, qboName)
    .map(parseRecord)
    .map((r) => ({ id: r.id, syncToken: r.syncToken, lastUpdated: r.lastUpdated, raw: r.raw }));
}
function scanned(body: string | Buffer, qboName = 'Invoice') {
  const queryResponse = readQueryResponse(Buffer.isBuffer(body) ? body : Buffer.from(body));
  assert.ok(queryResponse);
  return readPageRecords(queryResponse, qboName).map((r) => ({
    id: r.id,
    syncToken: r.syncToken,
    lastUpdated: r.lastUpdated,
    raw: r.raw,
  }));
}
const page = (...records: string[]) =>
  `{"QueryResponse":{"Invoice":[${records.join(',')}],"maxResults":${records.length}}}`;

describe('reading a response body without parsing its records', () => {
  it('reads Id, SyncToken and LastUpdatedTime exactly as parseRecord reads them', () => {
    const records = [
      '{"Id":"1","SyncToken":"0","MetaData":{"LastUpdatedTime":"2026-01-15T08:00:00-08:00"}}',
      '{"Id":17,"SyncToken":3,"MetaData":{"CreateTime":"x","LastUpdatedTime":"2026-01-15T08:00:00Z"}}',
      '{"Id":1.5e1,"SyncToken":2.5}',
      '{"Id":"","SyncToken":"01","Metadata":{"LastUpdatedTime":"2026-01-15T08:00:00+05:30"}}',
      '{"Id":null,"SyncToken":"x1","MetaData":null,"Metadata":{"LastUpdatedTime":"2026-01-15T08:00:00-08:00"}}',
      '{"Id":"2","MetaData":false,"Metadata":{"LastUpdatedTime":"2026-01-15T08:00:00-08:00"}}',
      '{"Id":"3","MetaData":{"LastUpdatedTime":"2026-01-15T08:00:00"}}',
      '{"Id":"4","MetaData":{"LastUpdatedTime":17}}',
      '{"Id":["5"],"SyncToken":{"v":1},"MetaData":["LastUpdatedTime"]}',
      // Duplicate keys: the last one wins, as in JSON.parse.
      '{"Id":"6","Id":"7","SyncToken":"1","SyncToken":"2","MetaData":{"LastUpdatedTime":"2026-01-15T08:00:00Z","LastUpdatedTime":"2026-01-16T08:00:00Z"}}',
      '{"Id":"8","MetaData":{"LastUpdatedTime":"2026-01-15T08:00:00Z"},"MetaData":{"CreateTime":"x"}}',
      // Escapes in keys and values are decoded before they are read.
      '{"I\\u0064":"9\\u0030","SyncToken":"\\u0031","MetaData":{"LastUpdatedTime":"2026-01-15T08:00:00\\u002D08:00"}}',
      // Fields nested elsewhere are not the record's.
      '{"Line":[{"Id":"99","SyncToken":"5"}],"Id":"10","Other":{"MetaData":{"LastUpdatedTime":"2026-01-15T08:00:00Z"}}}',
      ' { "Id" : "11" , "SyncToken" : "4" , "MetaData" : { "LastUpdatedTime" : "2026-01-15T08:00:00Z" } } ',
      '{}',
      '"a string"',
      '42',
      'null',
      '[{"Id":"12"}]',
      '{"Id":"13","PrivateNote":"é 😀 \\" \\\\ \\/ \\b\\f\\n\\r\\t","Amount":-0.5e-3,"Flag":true,"Nil":null,"Deep":{"a":[[],{}]}}',
    ];
    const body = page(...records);
    assert.deepEqual(scanned(body), parsed(body));
  });

  it('keeps the body as bytes and each record its position, for the upsert to send as jsonb', () => {
    const body = page('{"Id":"1"}', '{"Id":"2"}');
    const bytes = Buffer.from(body);
    const queryResponse = readQueryResponse(bytes)!;
    const records = readPageRecords(queryResponse, 'Invoice');
    assert.deepEqual(
      records.map((r) => [r.id, r.source?.index, r.source?.page.body === bytes]),
      [
        ['1', 0, true],
        ['2', 1, true],
      ],
    );
    const payloads = pagePayloads(records.slice(1));
    assert.deepEqual(payloads.path, ['QueryResponse', 'Invoice']);
    assert.deepEqual(payloads.positions, [2]);
    // jsonb's binary input: version 1, then the text exactly as received.
    assert.deepEqual(payloads.json, Buffer.concat([Buffer.from([1]), bytes]));
  });

  it('gives QueryResponse as JSON.parse does, the record arrays parsed only when asked for', () => {
    const body =
      '{"QueryResponse":{"startPosition":1,"Invoice":[{"Id":"1"},{"Id":"2"}],"maxResults":2,"x":{"y":[1]}},"time":"t"}';
    const queryResponse = readQueryResponse(Buffer.from(body))!;
    const expected = (JSON.parse(body) as { QueryResponse: unknown }).QueryResponse;
    assert.deepEqual(queryResponse, expected);
    assert.deepEqual(Object.keys(queryResponse), Object.keys(expected as object));
    const rows = pageRecords(queryResponse, 'Invoice');
    assert.equal(pageText(rows)?.path.join('.'), 'QueryResponse.Invoice');
    assert.deepEqual(readQueryResponse(Buffer.from('{"QueryResponse":{"totalCount":42}}')), {
      totalCount: 42,
    });
    assert.deepEqual(readPageRecords(readQueryResponse(Buffer.from('{"QueryResponse":{}}'))!, 'Invoice'), []);
    assert.throws(
      () => readPageRecords(readQueryResponse(Buffer.from('{"QueryResponse":{"Invoice":{}}}'))!, 'Invoice'),
      /QueryResponse.Invoice is not an array/,
    );
  });

  it('reads the last QueryResponse and the last record array of a name, as JSON.parse does', () => {
    const body =
      '{"QueryResponse":{"Invoice":[{"Id":"0"}]},"QueryResponse":{"Invoice":[{"Id":"1"}],"Invoice":[{"Id":"2"},{"Id":"3"}]}}';
    assert.deepEqual(scanned(body), parsed(body));
    const records = readPageRecords(readQueryResponse(Buffer.from(body))!, 'Invoice');
    assert.deepEqual(pagePayloads(records).positions, [1, 2]);
    assert.equal(
      readQueryResponse(Buffer.from('{"QueryResponse":{"Invoice":[]},"QueryResponse":3}')),
      undefined,
    );
    assert.equal(readQueryResponse(Buffer.from('{"Fault":{"Error":[]}}')), undefined);
    assert.equal(readQueryResponse(Buffer.from('[1]')), undefined);
    // An array is an object to JSON.parse's reader: it is handed on as before.
    assert.deepEqual(readQueryResponse(Buffer.from('{"QueryResponse":[]}')), []);
  });

  it('refuses every text JSON.parse refuses, and accepts every one it accepts', () => {
    const body = Buffer.from(
      page(
        '{"Id":"1","SyncToken":"0","MetaData":{"LastUpdatedTime":"2026-01-15T08:00:00-08:00"},"A":[1,-2.5e+3,true,false,null],"N":"\\u00e9\\n"}',
        '{"Id":2,"B":{}}',
      ),
    );
    // Every cut of a body, as a dropped stream leaves it.
    for (let end = 0; end < body.length; end++) {
      const cut = body.subarray(0, end);
      const jsonParse = accepts(() => JSON.parse(cut.toString()));
      assert.equal(
        accepts(() => readQueryResponse(cut)),
        jsonParse,
        `cut at ${end}: ${cut.toString()}`,
      );
    }
    const texts = [
      '{"QueryResponse":{"Invoice":[{"Id":01}]}}',
      '{"QueryResponse":{"Invoice":[{"Id":1.}]}}',
      '{"QueryResponse":{"Invoice":[{"Id":-}]}}',
      '{"QueryResponse":{"Invoice":[{"Id":1e}]}}',
      '{"QueryResponse":{"Invoice":[{"Id":+1}]}}',
      '{"QueryResponse":{"Invoice":[{"Id":"a\tb"}]}}',
      '{"QueryResponse":{"Invoice":[{"Id":"\\x"}]}}',
      '{"QueryResponse":{"Invoice":[{"Id":"\\u12g4"}]}}',
      '{"QueryResponse":{"Invoice":[{"Id":tru}]}}',
      '{"QueryResponse":{"Invoice":[{"Id":nul}]}}',
      '{"QueryResponse":{"Invoice":[{"Id":"1",}]}}',
      '{"QueryResponse":{"Invoice":[{"Id":"1"},]}}',
      '{"QueryResponse":{"Invoice":[{"Id" "1"}]}}',
      '{"QueryResponse":{"Invoice":[{Id:"1"}]}}',
      '{"QueryResponse":{"Invoice":[{"Id":"1"}]}} x',
      '{"QueryResponse":{"Invoice":[{"Id":"1"}]}}\n\t ',
      '{"QueryResponse":{"Invoice":[{"Id":"1"}]}}}',
      '{"QueryResponse":{"Invoice":[{"Id":"1"}}]}',
      "{'QueryResponse':{}}",
      '{"QueryResponse":{"Invoice":[{"Id":"1"}]},"x":[1 2]}',
      '\u00a0{"QueryResponse":{}}',
      '',
    ];
    for (const text of texts) {
      assert.equal(
        accepts(() => readQueryResponse(Buffer.from(text))),
        accepts(() => JSON.parse(text)),
        text,
      );
    }
  });

  it('hands bodies the scan does not take to JSON.parse, as before', () => {
    // A byte order mark is dropped, as axios dropped it from the text.
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(page('{"Id":"1"}'))]);
    assert.deepEqual(scanned(bom), parsed(page('{"Id":"1"}')));
    // Not UTF-8: decoded with replacement characters, then parsed; the record keeps the text.
    const latin1 = Buffer.from(page('{"Id":"1","Note":"caf\u00e9"}'), 'latin1');
    const records = readPageRecords(readQueryResponse(latin1)!, 'Invoice');
    assert.equal((records[0]?.raw as { Note: string }).Note, 'caf\ufffd');
    assert.equal(typeof records[0]?.source?.page.body, 'string');
    // Escapes jsonb refuses: parsed, so each record can be made storable on its own.
    for (const note of ['a\\u0000b', 'half \\ud83d', 'pair \\uD83D\\uDE00']) {
      const body = page(`{"Id":"1","Note":"${note}"}`);
      const read = readPageRecords(readQueryResponse(Buffer.from(body))!, 'Invoice');
      assert.equal(typeof read[0]?.source?.page.body, 'string', note);
      assert.deepEqual(scanned(body), parsed(body), note);
    }
    // Nesting deeper than a stack: JSON.parse decides.
    const deep = `{"QueryResponse":{"Invoice":[{"Id":"1","D":${'['.repeat(200_000)}${']'.repeat(200_000)}}]}}`;
    assert.deepEqual(
      scanned(deep).map((r) => r.id),
      ['1'],
    );
  });
});

function accepts(read: () => unknown): boolean {
  try {
    read();
    return true;
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    return false;
  }
}
