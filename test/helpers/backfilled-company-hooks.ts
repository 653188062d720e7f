/**
 * A company backfilled whole (backfilledCompany) for the enclosing `describe`: backfilled once
 * before its tests and closed after them. The object returned is filled in by then.
 */
import { after, before } from 'node:test';
import { backfilledCompany, type BackfilledCompany } from './backfilled-company.js';

export function useBackfilledCompany(options: Parameters<typeof backfilledCompany>[0]): BackfilledCompany {
  const company = {} as BackfilledCompany;
  before(async () => {
    Object.assign(company, await backfilledCompany(options));
  });
  after(async () => {
    // Set only when the backfill got that far.
    if (typeof company.close === 'function') await company.close();
  });
  return company;
}
