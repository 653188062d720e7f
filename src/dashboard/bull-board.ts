import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { Router } from 'express';

/** Where Bull Board is served. */
export const BOARD_PATH = '/admin/queues';

/**
 * Bull Board for the product's queues: the backfill's windows and the sync cycles (whose job
 * schedulers, from `sync --every`, show there too). Not read-only on purpose: retrying or
 * promoting a job from the board is the quickest fix during an incident, and the board sits behind
 * the dashboard login.
 */
export function bullBoardRouter(queues: Queue[], emulatorMode = false): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BOARD_PATH);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    // Says so on every page when the cluster talks to the built-in emulator, not to QBO.
    options: { uiConfig: { boardTitle: emulatorMode ? 'qbo-backfill (emulator)' : 'qbo-backfill' } },
  });
  return serverAdapter.getRouter() as Router;
}
