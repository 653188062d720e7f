import { REALM_ID_PATTERN } from '../../config/qbo-environments.js';

/**
 * The checks of Intuit's redirect (`?code=..&state=..&realmId=..`, or `?error=access_denied`)
 * before anything is exchanged or stored. The state comes first: a callback that does not carry
 * this attempt's state was not sent by Intuit for this attempt, and nothing else in it is trusted.
 */
export type CallbackCheck =
  { ok: true; code: string; realmId: string } | { ok: false; status: 400 | 403; reason: string };

/** An OAuth error code is shown only when it looks like one: never echo arbitrary query text. */
const errorCode = (value: string) => (/^[a-z_]{1,64}$/.test(value) ? value : 'an error');

export function checkCallback(
  params: URLSearchParams,
  isExpectedState: (state: string) => boolean,
): CallbackCheck {
  const refuse = (status: 400 | 403, reason: string): CallbackCheck => ({ ok: false, status, reason });
  const state = params.get('state');
  if (!state) {
    return refuse(
      400,
      'the callback has no state, so it cannot be tied to a connection attempt (a forged or hand-made link)',
    );
  }
  if (!isExpectedState(state)) {
    return refuse(
      403,
      "the callback's state is not this connection attempt's (a forged callback, or a link from another attempt)",
    );
  }
  const error = params.get('error');
  if (error !== null) {
    return error === 'access_denied'
      ? refuse(403, 'the connection was declined at Intuit (access_denied)')
      : refuse(400, `Intuit answered ${errorCode(error)} instead of an authorization code`);
  }
  const code = params.get('code');
  const realmId = params.get('realmId');
  if (!code) return refuse(400, 'the callback has no authorization code');
  if (!realmId || !REALM_ID_PATTERN.test(realmId)) {
    return refuse(400, 'the callback has no realmId, or one that is not a numeric company id');
  }
  return { ok: true, code, realmId };
}
