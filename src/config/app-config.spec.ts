import { ConfigValidationError, loadAppConfig } from './app-config.js';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadAppConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
}

describe('loadAppConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadAppConfig({ MLFLOW_TRACKING_URI: 'http://mlflow:5000/' });
    expect(config).toMatchObject({
      port: 3000,
      mlflowTrackingUri: 'http://mlflow:5000',
      modelName: 'spam-classifier',
      modelAlias: 'production',
      modelSource: { kind: 'registry' },
      modelPollIntervalSeconds: 30,
      logLevel: 'info',
      rateLimitPerMinute: 600,
      corsOrigins: [],
      gitCommit: 'unknown',
    });
    expect(config.appVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(config.vault).toBeUndefined();
  });

  it('reads a local model source without needing MLflow', () => {
    expect(loadAppConfig({ MODEL_SOURCE: 'file:/models/model.json' }).modelSource).toEqual({ kind: 'file', path: '/models/model.json' });
  });

  it('reads the shadow alias, off by default, and refuses one it cannot use', () => {
    expect(loadAppConfig({ MLFLOW_TRACKING_URI: 'http://mlflow:5000' }).modelShadowAlias).toBeUndefined();
    expect(loadAppConfig({ MLFLOW_TRACKING_URI: 'http://mlflow:5000', MODEL_SHADOW_ALIAS: 'challenger' }).modelShadowAlias).toBe('challenger');
    expect(problemsOf({ MODEL_SOURCE: 'file:m.json', MODEL_SHADOW_ALIAS: 'challenger' })).toEqual([
      'MODEL_SHADOW_ALIAS needs the MLflow registry: unset MODEL_SOURCE=file:...',
    ]);
    expect(problemsOf({ MLFLOW_TRACKING_URI: 'http://mlflow:5000', MODEL_SHADOW_ALIAS: 'production' })).toEqual([
      'MODEL_SHADOW_ALIAS must differ from MODEL_ALIAS (production)',
    ]);
  });

  it('configures Vault Kubernetes auth', () => {
    const config = loadAppConfig({ MODEL_SOURCE: 'file:m.json', VAULT_ADDR: 'http://vault:8200', VAULT_AUTH_METHOD: 'kubernetes', VAULT_K8S_ROLE: 'spam' });
    expect(config.vault).toMatchObject({ authMethod: 'kubernetes', kubernetesRole: 'spam', kvMount: 'secret', secretPath: 'spam-classifier' });
  });

  it('lists every bad value at once', () => {
    expect(
      problemsOf({ PORT: '3.5', RATE_LIMIT_PER_MINUTE: '-1', TRUST_PROXY: 'maybe', MODEL_SOURCE: 's3://bucket', VAULT_ADDR: 'http://vault:8200' }),
    ).toEqual([
      'PORT="3.5" must be an integer from 0 to 65535',
      'MODEL_SOURCE="s3://bucket" must be "mlflow" or "file:<path to model.json>"',
      'RATE_LIMIT_PER_MINUTE="-1" must be an integer from 0 to 10000000',
      'TRUST_PROXY="maybe" must be true or false',
      'VAULT_TOKEN is required when VAULT_ADDR is set and VAULT_AUTH_METHOD=token',
      'MLFLOW_TRACKING_URI is required unless MODEL_SOURCE=file:<path>',
    ]);
  });

  it('refuses credentials inside a URL without echoing them', () => {
    const problems = problemsOf({ MLFLOW_TRACKING_URI: 'http://user:s3cret@mlflow:5000', VAULT_ADDR: 'https://root:t0ken@vault:8200' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^MLFLOW_TRACKING_URI must not contain credentials/),
        expect.stringMatching(/^VAULT_ADDR must not contain credentials/),
      ]),
    );
    expect(problems.join('\n')).not.toMatch(/s3cret|t0ken/);
  });
});
