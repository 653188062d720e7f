import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  errorForResponse,
  parseFault,
  QboAuthorizationError,
  QboCdcTooOldError,
  QboClientError,
  QboServerError,
  QboThrottledError,
  QboUnauthorizedError,
} from '../../src/qbo/qbo-errors.js';
import { outcomeOf } from '../../src/model/errors/index.js';

const REALM = '9341453000000001';
const jsonFault = (status: number, code: string, message: string, detail: string, type = 'ValidationFault') =>
  JSON.stringify({ Fault: { Error: [{ Message: message, Detail: detail, code }], type }, time: 'x' });
const THROTTLE_MESSAGE = 'message=ThrottleExceeded; errorCode=003001; statusCode=429';
const THROTTLE_DETAIL = 'The request limit was reached.  Try again later';
const XML_429 =
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n` +
  `<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="2026-01-15T10:38:50.01-08:00">` +
  `<Fault type="ThrottleExceeded"><Error code="3001"><Message>${THROTTLE_MESSAGE}</Message>` +
  `<Detail>${THROTTLE_DETAIL}</Detail></Error></Fault></IntuitResponse>`;

describe('parseFault', () => {
  it("reads QBO's JSON fault with upper-case keys", () => {
    assert.deepEqual(parseFault(jsonFault(400, '4000', 'Error parsing query', 'QueryParserError: x')), {
      message: 'Error parsing query',
      detail: 'QueryParserError: x',
      code: '4000',
      type: 'ValidationFault',
    });
  });

  it('reads lower-case keys inside a wider envelope, and a numeric code', () => {
    const body = JSON.stringify({
      warnings: null,
      intuitObject: null,
      fault: {
        error: [{ message: 'message=AuthenticationFailed', detail: 'expired', code: 3200 }],
        type: 'AUTHENTICATION',
      },
    });
    assert.deepEqual(parseFault(body), {
      message: 'message=AuthenticationFailed',
      detail: 'expired',
      code: '3200',
      type: 'AUTHENTICATION',
    });
  });

  it("reads QBO's XML 429 body", () => {
    assert.deepEqual(parseFault(XML_429), {
      message: THROTTLE_MESSAGE,
      detail: THROTTLE_DETAIL,
      code: '3001',
      type: 'ThrottleExceeded',
    });
  });

  it('gives nothing for garbage, an empty body, JSON without a fault, or XML without a message', () => {
    for (const body of [
      '',
      'not json at all',
      '{"QueryResponse":{}}',
      '<html><body>502</body></html>',
      '{"Fault":{}}',
    ]) {
      assert.equal(parseFault(body), undefined, JSON.stringify(body));
    }
  });
});

describe('errorForResponse: the HTTP table', () => {
  const cases: {
    name: string;
    status: number;
    body: string;
    error: new (...args: never[]) => Error;
    outcome: string;
    retry?: string;
    message: string;
  }[] = [
    {
      name: '429 JSON',
      status: 429,
      body: jsonFault(429, '3001', THROTTLE_MESSAGE, THROTTLE_DETAIL, 'ThrottleExceeded'),
      error: QboThrottledError,
      outcome: 'retry-request',
      retry: 'throttle',
      message: `HTTP 429 code 3001 ${THROTTLE_MESSAGE} (${THROTTLE_DETAIL})`,
    },
    {
      name: '429 XML',
      status: 429,
      body: XML_429,
      error: QboThrottledError,
      outcome: 'retry-request',
      retry: 'throttle',
      message: `HTTP 429 code 3001 ${THROTTLE_MESSAGE} (${THROTTLE_DETAIL})`,
    },
    {
      name: '403 with a ThrottleExceeded body',
      status: 403,
      body: jsonFault(403, '3001', THROTTLE_MESSAGE, THROTTLE_DETAIL, 'ThrottleExceeded'),
      error: QboThrottledError,
      outcome: 'retry-request',
      retry: 'throttle',
      message: `HTTP 403 code 3001 ${THROTTLE_MESSAGE} (${THROTTLE_DETAIL})`,
    },
    {
      name: '401 code 3200',
      status: 401,
      body: jsonFault(
        401,
        '3200',
        'message=AuthenticationFailed; errorCode=003200; statusCode=401',
        'Token expired',
        'AUTHENTICATION',
      ),
      error: QboUnauthorizedError,
      outcome: 'retry-request',
      retry: 'refresh',
      message:
        'HTTP 401 code 3200 message=AuthenticationFailed; errorCode=003200; statusCode=401 (Token expired)',
    },
    {
      name: '403 code 3100 ApplicationAuthorizationFailed',
      status: 403,
      body: jsonFault(
        403,
        '3100',
        'message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403',
        'denied',
        'AUTHORIZATION',
      ),
      error: QboAuthorizationError,
      outcome: 'halt-run',
      message:
        'HTTP 403 code 3100 message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403 (denied): ' +
        'the app is not authorized: most often a sandbox token used against production or the reverse ' +
        '(check QBO_ENVIRONMENT and QBO_BASE_URL), or a missing scope',
    },
    {
      name: '403 code 3201 AuthorizationFailure',
      status: 403,
      body: jsonFault(
        403,
        '3201',
        'message=AuthorizationFailure; errorCode=003201; statusCode=403',
        'no',
        'AUTHORIZATION',
      ),
      error: QboAuthorizationError,
      outcome: 'halt-run',
      message:
        'HTTP 403 code 3201 message=AuthorizationFailure; errorCode=003201; statusCode=403 (no): ' +
        `the app is not authorized for company ${REALM}: reconnect the app to it and store its refresh ` +
        `token with: qbo-backfill auth set --realm ${REALM}`,
    },
    {
      name: '403 with another code',
      status: 403,
      body: jsonFault(403, '6000', 'Forbidden', 'Forbidden'),
      error: QboClientError,
      outcome: 'fail-window',
      message: 'HTTP 403 code 6000 Forbidden',
    },
    {
      name: '408',
      status: 408,
      body: '',
      error: QboServerError,
      outcome: 'retry-request',
      retry: 'backoff',
      message: 'HTTP 408',
    },
    {
      name: '500',
      status: 500,
      body: jsonFault(
        500,
        '10000',
        'An application error has occurred',
        'System Failure Error',
        'SystemFault',
      ),
      error: QboServerError,
      outcome: 'retry-request',
      retry: 'backoff',
      message: 'HTTP 500 code 10000 An application error has occurred (System Failure Error)',
    },
    {
      name: '503 without a fault body',
      status: 503,
      body: '<html>Service Unavailable</html>',
      error: QboServerError,
      outcome: 'retry-request',
      retry: 'backoff',
      message: 'HTTP 503: <html>Service Unavailable</html>',
    },
    {
      name: '400 query parser error',
      status: 400,
      body: jsonFault(400, '4000', 'Error parsing query', 'QueryParserError: Encountered " <EOF>'),
      error: QboClientError,
      outcome: 'fail-window',
      message: 'HTTP 400 code 4000 Error parsing query (QueryParserError: Encountered " <EOF>)',
    },
    {
      name: '404',
      status: 404,
      body: jsonFault(404, '500', 'Unsupported Operation', 'Unsupported Operation'),
      error: QboClientError,
      outcome: 'fail-window',
      message: 'HTTP 404 code 500 Unsupported Operation',
    },
    {
      name: "400 naming a CDC changedSince beyond QBO's look-back",
      status: 400,
      body: jsonFault(
        400,
        '2010',
        'Request has invalid or unsupported property',
        'Property Name:changedSince specified is unsupported or invalid: changedSince cannot be more than 30 days in the past',
      ),
      error: QboCdcTooOldError,
      outcome: 'fail-window',
      message:
        'HTTP 400 code 2010 Request has invalid or unsupported property (Property Name:changedSince specified is ' +
        'unsupported or invalid: changedSince cannot be more than 30 days in the past)',
    },
  ];

  for (const c of cases) {
    it(`${c.name} -> ${c.error.name} (${c.outcome})`, () => {
      const err = errorForResponse(c.status, c.body, undefined, REALM);
      assert.ok(err instanceof c.error, `${err.name}: ${err.message}`);
      assert.equal(outcomeOf(err), c.outcome);
      assert.equal((err as { retry?: string }).retry, c.retry);
      assert.equal(err.status, c.status);
      assert.equal(err.message, c.message);
    });
  }

  it("appends Intuit's transaction id and keeps the fault code", () => {
    const err = errorForResponse(400, jsonFault(400, '4000', 'Error parsing query', 'x'), 'tid-123', REALM);
    assert.equal(err.message, 'HTTP 400 code 4000 Error parsing query (x) (intuit_tid tid-123)');
    assert.equal(err.intuitTid, 'tid-123');
    assert.equal(err.code, '4000');
  });
});
