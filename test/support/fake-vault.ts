import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';

/**
 * A FAKE Vault: a real HTTP server on 127.0.0.1 that answers only the two endpoints the service uses, as Vault's
 * HTTP API documents them: `POST /v1/auth/<mount>/login` (Kubernetes auth) and `GET /v1/<kv>/data/<path>` (KV v2).
 * No Vault binary can be installed on this machine; this checks our client's requests, not Vault itself.
 */
export class FakeVault {
  readonly requests: string[] = [];
  private server?: Server;
  url = '';

  constructor(
    private readonly options: {
      rootToken: string;
      kubernetes: { role: string; jwt: string; issuedToken: string };
      secret: { mount: string; path: string; data: Record<string, string> };
    },
  ) {}

  /** `port` 0 lets the kernel choose; a fixed one brings a Vault up at an address the service already retries. */
  async start(port = 0): Promise<void> {
    this.server = createServer((request, response) => {
      void this.handle(request, response);
    });
    await new Promise<void>((resolveListen) => this.server?.listen(port, '127.0.0.1', resolveListen));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolveClose) => this.server?.close(resolveClose));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of request) body += String(chunk);
    this.requests.push(`${request.method ?? ''} ${request.url ?? ''}`);
    const reply = (status: number, payload: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };
    const { kubernetes, secret, rootToken } = this.options;
    if (request.method === 'POST' && request.url === '/v1/auth/kubernetes/login') {
      const login = JSON.parse(body) as { role?: string; jwt?: string };
      if (login.role !== kubernetes.role || login.jwt !== kubernetes.jwt) {
        reply(403, { errors: ['permission denied'] });
        return;
      }
      reply(200, { auth: { client_token: kubernetes.issuedToken, lease_duration: 3600, renewable: true } });
      return;
    }
    if (request.method === 'GET' && request.url === `/v1/${secret.mount}/data/${secret.path}`) {
      const token = request.headers['x-vault-token'];
      if (token !== rootToken && token !== kubernetes.issuedToken) {
        reply(403, { errors: ['permission denied'] });
        return;
      }
      reply(200, { data: { data: secret.data, metadata: { version: 1 } } });
      return;
    }
    reply(404, { errors: [] });
  }
}
