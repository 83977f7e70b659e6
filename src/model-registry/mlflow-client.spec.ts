import { type Server, createServer } from 'node:http';
import type { AppSecrets } from '../config/app-secrets.js';
import { MlflowClient, type MlflowModelVersion, gateVerdictProblem } from './mlflow-client.js';

/** A real HTTP server standing in for MLflow: it records the Authorization header of each request. */
describe('MlflowClient authorization', () => {
  const seen: (string | undefined)[] = [];
  let server: Server;
  let baseUrl = '';

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(request.headers.authorization);
      response.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
    const address = server.address();
    baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    await new Promise((resolveClose) => server.close(resolveClose));
  });

  it('builds the header per request from the current secrets (Vault may deliver them after start-up)', async () => {
    let secrets: AppSecrets = {};
    const client = new MlflowClient(baseUrl, () => secrets);
    await client.getModelVersionByAlias('m', 'production');
    secrets = { mlflowUsername: 'user', mlflowPassword: 'pass' };
    await client.getModelVersionByAlias('m', 'production');
    secrets = { ...secrets, mlflowToken: 'tok' };
    await client.getModelVersionByAlias('m', 'production');
    expect(seen).toEqual([undefined, `Basic ${Buffer.from('user:pass').toString('base64')}`, 'Bearer tok']);
  });
});

describe('gateVerdictProblem (which registry versions may be served)', () => {
  const version = (tags?: Record<string, string>): MlflowModelVersion => ({
    name: 'spam-classifier',
    version: '3',
    tags: tags && Object.entries(tags).map(([key, value]) => ({ key, value })),
  });

  it.each([
    ['promoted by the gate', { 'gate.decision': 'promoted' }],
    ['force-promoted after a rejection', { 'gate.decision': 'rejected', 'gate.override': 'force-promoted' }],
    ['force-promoted without a verdict', { 'gate.override': 'force-promoted' }],
  ])('serves a version %s', (_name, tags) => {
    expect(gateVerdictProblem(version(tags))).toBeUndefined();
  });

  it.each([
    ['with no tags', undefined, 'has no gate.decision tag'],
    ['with other tags only', { owner: 'me' }, 'has no gate.decision tag'],
    ['that the gate rejected', { 'gate.decision': 'rejected' }, 'gate.decision=rejected'],
  ])('refuses a version %s', (_name, tags, reason) => {
    expect(gateVerdictProblem(version(tags))).toContain(reason);
  });
});
