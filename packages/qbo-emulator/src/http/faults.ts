/**
 * QBO's error bodies. JSON faults use `{"Fault":{"Error":[{Message,Detail,code}],"type"},"time"}`;
 * throttling has also been seen as an XML `IntuitResponse` even when JSON was asked for. Each takes
 * `now`, the emulator clock's reading, for its `time`.
 */
import { formatEnvelopeTime } from '../pacific-time.js';

export interface FaultReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export function jsonFault(
  now: number,
  status: number,
  type: string,
  error: { Message: string; Detail: string; code: string; element?: string },
): FaultReply {
  return {
    status,
    contentType: 'application/json;charset=UTF-8',
    body: JSON.stringify({ Fault: { Error: [error], type }, time: formatEnvelopeTime(now) }),
  };
}

/** 401 code 3200: the access token is missing, unknown or expired. */
export function authenticationFault(detail: string, now: number): FaultReply {
  return jsonFault(now, 401, 'AUTHENTICATION', {
    Message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401',
    Detail: detail,
    code: '3200',
  });
}

/**
 * 403 code 3100 for a realm this emulator does not serve: QBO answers so when the token's
 * connection is not authorised for the company in the URL.
 */
export function unknownRealmFault(realmId: string, now: number): FaultReply {
  return jsonFault(now, 403, 'AUTHORIZATION', {
    Message: 'message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403',
    Detail: `Company ${realmId} is not served by this emulator (not authorized for this realm)`,
    code: '3100',
  });
}

/**
 * 403 code 3201 for a realm the app was disconnected from (`unauthorizedRealms`): the token is
 * valid, but this company no longer authorizes the app.
 */
export function unauthorizedRealmFault(realmId: string, now: number): FaultReply {
  return jsonFault(now, 403, 'AUTHORIZATION', {
    Message: 'message=AuthorizationFailure; errorCode=003201; statusCode=403',
    Detail: `The application is not authorized to access company ${realmId}`,
    code: '3201',
  });
}

const THROTTLE_MESSAGE = 'message=ThrottleExceeded; errorCode=003001; statusCode=429';
// Two spaces after the full stop, exactly as QBO writes it.
const THROTTLE_DETAIL = 'The request limit was reached.  Try again later';

/** 429 code 3001, as JSON or as QBO's XML body. No Retry-After header: QBO documents none. */
export function throttleFault(xml: boolean, now: number): FaultReply {
  if (!xml)
    return jsonFault(now, 429, 'ThrottleExceeded', {
      Message: THROTTLE_MESSAGE,
      Detail: THROTTLE_DETAIL,
      code: '3001',
    });
  const time = formatEnvelopeTime(now);
  return {
    status: 429,
    contentType: 'application/xml',
    body:
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n` +
      `<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="${time}">` +
      `<Fault type="ThrottleExceeded"><Error code="3001"><Message>${THROTTLE_MESSAGE}</Message>` +
      `<Detail>${THROTTLE_DETAIL}</Detail></Error></Fault></IntuitResponse>`,
  };
}

/** 400 code 4000 "Error parsing query" with a `QueryParserError:`/`QueryValidationError:` Detail. */
export function queryFault(detail: string, now: number): FaultReply {
  return jsonFault(now, 400, 'ValidationFault', {
    Message: 'Error parsing query',
    Detail: detail,
    code: '4000',
  });
}

/** 400 for a bad request parameter (CDC look-back, missing query, unknown entity in CDC). */
export function parameterFault(property: string, detail: string, now: number): FaultReply {
  return jsonFault(now, 400, 'ValidationFault', {
    Message: 'Request has invalid or unsupported property',
    Detail: `Property Name:${property} specified is unsupported or invalid: ${detail}`,
    code: '2010',
    element: property,
  });
}

/** 404 for a path QBO would not route. */
export function notFoundFault(path: string, now: number): FaultReply {
  return jsonFault(now, 404, 'ValidationFault', {
    Message: 'Unsupported Operation',
    Detail: `Operation ${path} is not supported by the emulator`,
    code: '500',
  });
}

/** The 500/503 bodies QBO returns on its bad days. */
export function serverFault(status: 500 | 503, now: number): FaultReply {
  return status === 500
    ? jsonFault(now, 500, 'SystemFault', {
        Message: 'An application error has occurred while processing your request',
        Detail: 'System Failure Error: An unexpected error occurred while accessing or saving your data.',
        code: '10000',
      })
    : jsonFault(now, 503, 'SystemFault', {
        Message: 'Service Unavailable',
        Detail: 'The service is temporarily unavailable. Please try again later.',
        code: '10000',
      });
}
