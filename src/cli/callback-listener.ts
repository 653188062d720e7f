import type { RequestListener } from 'node:http';
import { escapeHtml } from '../infra/html.js';
import { boundPort, closeServer, listen } from '../dashboard/http-server.js';

/** What the browser is shown after Intuit's redirect. */
export interface CallbackPage {
  status: number;
  title: string;
  message: string;
}

export interface CallbackListener {
  readonly port: number;
  close(): Promise<void>;
}

function html(page: CallbackPage): string {
  const colour = page.status < 300 ? '#2e9d57' : '#d23f3f';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(page.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:48px auto;max-width:640px;color:#1d2530}h1{font-size:20px;color:${colour}}</style>
</head><body><h1>${escapeHtml(page.title)}</h1><p>${escapeHtml(page.message)}</p></body></html>`;
}

/**
 * The local end of `auth connect`'s redirect: answers GET `<path>` on `host:port` with what
 * `handle` decides, one callback at a time (two exchanges of one attempt must never race), and
 * 404 anything else. An error thrown by `handle` is the command's own failure: it answers 500 and
 * goes to `onFailure`.
 */
export async function listenForCallback(o: {
  host: string;
  port: number;
  path: string;
  handle: (params: URLSearchParams) => Promise<CallbackPage>;
  onFailure: (err: unknown) => void;
}): Promise<CallbackListener> {
  let queue: Promise<unknown> = Promise.resolve();
  const handler: RequestListener = (req, res) => {
    const reply = (page: CallbackPage) =>
      res
        .writeHead(page.status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' })
        .end(html(page));
    const url = new URL(req.url ?? '/', 'http://callback');
    if (req.method !== 'GET' || url.pathname !== o.path) {
      reply({
        status: 404,
        title: 'Not found',
        message: `This is the redirect of qbo-backfill auth connect: ${o.path}`,
      });
      return;
    }
    queue = queue.then(() =>
      o.handle(url.searchParams).then(reply, (err: unknown) => {
        reply({
          status: 500,
          title: 'Connection failed',
          message: 'qbo-backfill auth connect failed: see its terminal',
        });
        o.onFailure(err);
      }),
    );
  };
  const server = await listen(handler, o.port, o.host);
  return {
    port: boundPort(server),
    close: () => closeServer(server, 1_000),
  };
}
