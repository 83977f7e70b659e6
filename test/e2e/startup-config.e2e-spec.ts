import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/service-process.js';

describe('start-up configuration (e2e)', () => {
  it('refuses bad settings with every problem on stderr, exit code 78 and nothing on stdout', () => {
    const result = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'main.js')], {
      env: { PATH: process.env.PATH, PORT: '70000', LOG_LEVEL: 'loud', MODEL_POLL_INTERVAL_SECONDS: 'soon', VAULT_ADDR: 'vault:8200' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(78);
    expect(result.stdout).toBe('');
    for (const problem of [
      'PORT="70000" must be an integer from 0 to 65535',
      'LOG_LEVEL="loud" must be one of error, warn, info, debug',
      'MODEL_POLL_INTERVAL_SECONDS="soon" must be a number',
      'VAULT_ADDR="vault:8200" must be an http(s) URL',
      'MLFLOW_TRACKING_URI is required',
    ]) {
      expect(result.stderr).toContain(problem);
    }
  });
});
