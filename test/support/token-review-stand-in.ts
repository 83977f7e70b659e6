import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';

export interface ServiceAccountIdentity {
  namespace: string;
  name: string;
  uid: string;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * A service-account JWT in the shape Kubernetes issues (the claims Vault's Kubernetes auth reads). The signature is
 * not a real one: Vault does not verify it itself, it asks the TokenReview API, which the stand-in below answers.
 */
export function serviceAccountJwt(identity: ServiceAccountIdentity): string {
  const claims = {
    iss: 'kubernetes/serviceaccount',
    sub: `system:serviceaccount:${identity.namespace}:${identity.name}`,
    'kubernetes.io/serviceaccount/namespace': identity.namespace,
    'kubernetes.io/serviceaccount/service-account.name': identity.name,
    'kubernetes.io/serviceaccount/service-account.uid': identity.uid,
  };
  return `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url(claims)}.${Buffer.from('not-a-real-signature').toString('base64url')}`;
}

/**
 * A STAND-IN for one Kubernetes API endpoint: `POST /apis/authentication.k8s.io/v1/tokenreviews`, which Vault's
 * Kubernetes auth calls to check the JWT a pod presents. No cluster runs on the build machine; everything else in the
 * Vault tests is the real OpenBao server. It authenticates exactly one token, as the identity it was issued for.
 */
export class TokenReviewStandIn {
  reviews = 0;
  url = '';
  private server?: Server;

  constructor(
    private readonly jwt: string,
    private readonly identity: ServiceAccountIdentity,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolveListen) => this.server?.listen(0, '127.0.0.1', resolveListen));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolveClose) => this.server?.close(resolveClose));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of request) body += String(chunk);
    if (request.method !== 'POST' || request.url !== '/apis/authentication.k8s.io/v1/tokenreviews') {
      response.writeHead(404).end();
      return;
    }
    this.reviews += 1;
    const token = (JSON.parse(body) as { spec?: { token?: string } }).spec?.token;
    const status =
      token === this.jwt
        ? {
            authenticated: true,
            user: {
              username: `system:serviceaccount:${this.identity.namespace}:${this.identity.name}`,
              uid: this.identity.uid,
              groups: ['system:serviceaccounts', `system:serviceaccounts:${this.identity.namespace}`],
            },
          }
        : { authenticated: false, error: 'invalid bearer token' };
    response
      .writeHead(201, { 'content-type': 'application/json' })
      .end(JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', status }));
  }
}
