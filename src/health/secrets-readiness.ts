import type { SecretsStatus } from '../config/secrets.service.js';

/** What anonymous callers of /health/ready may learn about a failed secrets read: a category, never the message. */
export type SecretsFailure = 'vault-unreachable' | 'vault-timeout' | 'vault-refused' | 'secret-missing' | 'vault-error';

export interface SecretsReadiness {
  source: SecretsStatus['source'];
  state: SecretsStatus['state'];
  failure?: SecretsFailure;
}

const FAILURE_PATTERNS: readonly (readonly [RegExp, SecretsFailure])[] = [
  [/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ECONNRESET|EAI_AGAIN|socket hang up/i, 'vault-unreachable'],
  [/timeout|timed out|ETIMEDOUT/i, 'vault-timeout'],
  [/HTTP 40[13]\b|permission denied/i, 'vault-refused'],
  [/HTTP 404\b|not found|no secret/i, 'secret-missing'],
];

/**
 * Readiness is unauthenticated (kubelets, load balancers, anyone who reaches the port), and the raw error names the
 * Vault address, the auth method and upstream messages. The full message stays in the `secrets-load` log event for
 * operators; the probe tells only which kind of failure it is.
 */
export function secretsReadiness(status: SecretsStatus): SecretsReadiness {
  const { source, state, lastError } = status;
  if (state === 'loaded' || lastError === undefined) return { source, state };
  const failure = FAILURE_PATTERNS.find(([pattern]) => pattern.test(lastError))?.[1] ?? 'vault-error';
  return { source, state, failure };
}
