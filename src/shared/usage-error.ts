/** Bad input from the user (usage, dates, entity names). Exit code 2; nothing was changed. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The work itself failed (exit code 1), with a message meant for the operator. */
export class CommandFailedError extends Error {
  override readonly name = 'CommandFailedError';
}
