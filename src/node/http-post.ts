// Node-only: a keep-alive HTTP client for pushes, in the shape of `fetch` (the part pushes use).
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/**
 * `fetch` for POSTs to a few fixed endpoints, over node:http with kept-alive sockets and
 * Nagle's algorithm off. Node 20's built-in fetch costs about twice as much per request, which
 * is the budget of a push of one change. Supports what pushSuppressions passes: method,
 * headers, a string body and an AbortSignal; the Response has the status and no body.
 */
export function keepAliveFetch(): typeof fetch {
  const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 4 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 4 }) };
  return ((input: string | URL | Request, init: RequestInit = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
      const secure = url.protocol === 'https:';
      const req = (secure ? httpsRequest : httpRequest)(
        url,
        {
          method: init.method ?? 'GET',
          headers: init.headers as Record<string, string>,
          agent: secure ? agents.https : agents.http,
          signal: init.signal ?? undefined,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(new Response(null, { status: res.statusCode ?? 500 })));
          res.on('error', reject);
        },
      );
      req.on('socket', (s) => s.setNoDelay(true));
      req.on('error', reject);
      req.end(typeof init.body === 'string' ? init.body : undefined);
    })) as typeof fetch;
}
