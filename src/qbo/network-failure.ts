/**
 * Tells a network blip from a configuration mistake when an HTTP call never got an answer. A blip
 * (reset, refused, timeout, a DNS server that did not answer) is worth retrying; a malformed URL, a
 * protocol other than http(s) or a host name that does not exist fails the same way every time,
 * so retrying it only delays the operator's fix.
 */

/** Codes of failures that say the URL itself is wrong. */
const CONFIGURATION_CODES = new Set([
  // new URL() refused the address.
  'ERR_INVALID_URL',
  // axios: "Unsupported protocol ftp:" (answers with a status never throw: validateStatus accepts all).
  'ERR_BAD_REQUEST',
  // NXDOMAIN: the name server answered that the host does not exist (EAI_AGAIN is the blip).
  'ENOTFOUND',
]);

export type NetworkFailure = 'transient' | 'configuration';

export function failureCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function networkFailure(err: unknown): NetworkFailure {
  const code = failureCode(err);
  return code !== undefined && CONFIGURATION_CODES.has(code) ? 'configuration' : 'transient';
}
