import { type Server, createServer } from 'node:http';
import type { AppSecrets } from '../config/app-secrets.js';
import { MlflowClient } from './mlflow-client.js';

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
