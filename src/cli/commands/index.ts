import type { Command } from '../command.js';
import { migrateCommand } from './migrate.js';
import { emulatorCommand } from './emulator.js';
import { demoCommand } from './demo.js';
import { workerCommand } from './worker.js';
import { enqueueCommand } from './enqueue.js';
import { cancelCommand, reportCommand, resumeCommand, retryCommand, statusCommand } from './run-commands.js';
import { authCommand } from './auth.js';
import { dashboardCommand } from './dashboard.js';
import { entitiesCommand } from './entities.js';
import { reportsCommand } from './reports.js';
import { syncCommand } from './sync.js';
import { reconcileCommand } from './reconcile.js';

/** Every command of `qbo-backfill`, in the order `--help` lists them. */
export const commands: Command[] = [
  migrateCommand,
  emulatorCommand,
  workerCommand,
  enqueueCommand,
  statusCommand,
  reportCommand,
  resumeCommand,
  retryCommand,
  cancelCommand,
  syncCommand,
  reconcileCommand,
  authCommand,
  dashboardCommand,
  demoCommand,
  entitiesCommand,
  reportsCommand,
];
