import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express, { type Application, type Router } from 'express';
import type { Logger } from '../infra/logger.js';
import { boardErrorHandler } from './http-errors.js';

/** Where Bull Board is served. */
export const BOARD_PATH = '/admin/queues';

/** The fonts Bull Board would fetch from Google: offline they fail, and the CSP refuses them anyway. */
const EXTERNAL_FONTS = /<link[^>]*fonts\.googleapis\.com[^>]*>/g;
/**
 * The status tabs wrap onto a second line instead of scrolling out of sight behind the workers'
 * badge, faded out ("PAUS..." at 1280 pixels). Matched by the start of the class name (its
 * suffix is a hash that changes between versions), and important: the board's own rule comes in
 * a stylesheet loaded later.
 */
const BOARD_STYLE =
  '<style>[class^="statusTabs-"]{flex-wrap:wrap!important;overflow:visible!important;' +
  '-webkit-mask-image:none!important;mask-image:none!important}</style>';
/** The system's own fonts, in place of IBM Plex (which came from Google). */
const FONTS = { 'font-sans': 'system-ui, sans-serif', 'font-mono': 'ui-monospace, monospace' };
/** Times in UTC on a 24-hour clock, as everywhere else in the product (not the browser's 12-hour local time). */
const TIME: Intl.DateTimeFormatOptions = {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
  timeZone: 'UTC',
  timeZoneName: 'short',
};

/**
 * Bull Board for the product's queues: the backfill's windows and the sync cycles (whose job
 * schedulers, from `sync --every`, show there too). Not read-only on purpose: retrying or
 * promoting a job from the board is the quickest fix during an incident, and the board sits behind
 * the dashboard login (and refuses cross-site writes, security.ts).
 */
export function bullBoardRouter(queues: Queue[], log: Logger, emulatorMode = false): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BOARD_PATH);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: {
      uiConfig: {
        // Short enough for the board's header; the emulator says so on every page.
        boardTitle: emulatorMode ? 'qbo-backfill · emulator' : 'qbo-backfill',
        // Room for the title and for the status tabs' names in the system font.
        menu: { width: '300px' },
        theme: { light: FONTS, dark: FONTS },
        dateFormats: {
          short: TIME,
          common: { month: 'short', day: 'numeric', ...TIME },
          full: { year: 'numeric', month: '2-digit', day: '2-digit', ...TIME },
        },
      },
    },
  });
  // Read when an API call fails, so this replaces the handler createBullBoard installed.
  serverAdapter.setErrorHandler(boardErrorHandler(log));
  const router = express.Router();
  // The board's one HTML page, as Bull Board renders it: without Google's fonts, with our style.
  router.use((_req, res, next) => {
    const send = res.send.bind(res);
    res.send = (body?: unknown) =>
      send(
        typeof body === 'string' && body.startsWith('<!DOCTYPE html>')
          ? body.replace(EXTERNAL_FONTS, '').replace('</head>', `${BOARD_STYLE}</head>`)
          : body,
      );
    next();
  });
  const board = serverAdapter.getRouter() as Application;
  // An Express app of its own, which would name Express in every answer again.
  board.disable('x-powered-by');
  router.use(board);
  return router;
}
