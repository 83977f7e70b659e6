import { secretsReadiness } from './secrets-readiness.js';

const AT = 'cannot read secrets from Vault at http://vault.vault.svc:8200';

describe('secretsReadiness', () => {
  it.each([
    [`${AT} (token auth): connect ECONNREFUSED 10.0.0.7:8200`, 'vault-unreachable'],
    [`${AT} (kubernetes auth): getaddrinfo ENOTFOUND vault.vault.svc`, 'vault-unreachable'],
    [`${AT} (token auth): request timeout after 3000 ms`, 'vault-timeout'],
    [`${AT} (kubernetes auth, HTTP 403): permission denied`, 'vault-refused'],
    [`${AT} (token auth, HTTP 404): no secret at secret/data/spam-classifier`, 'secret-missing'],
    [`${AT} (token auth, HTTP 500): internal error`, 'vault-error'],
  ])('reports %j as %s, without the address or the message', (lastError, failure) => {
    const view = secretsReadiness({ source: 'vault', state: 'unavailable', lastError });
    expect(view).toEqual({ source: 'vault', state: 'unavailable', failure });
    expect(JSON.stringify(view)).not.toContain('vault.vault.svc');
  });

  it('says nothing of an old failure once the secrets are loaded', () => {
    expect(secretsReadiness({ source: 'vault', state: 'loaded', lastError: 'stale' })).toEqual({ source: 'vault', state: 'loaded' });
  });
});
