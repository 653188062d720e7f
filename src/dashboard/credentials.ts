import { ConfigError, type Config } from '../config/config.js';
import type { Credentials } from './basic-auth.js';

/**
 * The dashboard login from the configuration, or `undefined` when the operator explicitly chose to
 * serve without one. Refusing by default matters: Bull Board can retry, promote and delete jobs.
 */
export function dashboardCredentials(config: Config, insecureNoAuth: boolean): Credentials | undefined {
  const { user, password } = config.dashboard;
  if (user !== undefined && password !== undefined) return { user, password };
  if (insecureNoAuth) return undefined;
  throw new ConfigError(
    user === undefined ? 'DASHBOARD_USER' : 'DASHBOARD_PASSWORD',
    'the dashboard needs a login: set DASHBOARD_USER and DASHBOARD_PASSWORD (or DASHBOARD_PASSWORD_FILE), or pass --insecure-no-auth',
  );
}
