/**
 * A company backfilled whole (backfilledCompany) for the enclosing `describe`: backfilled once
 * before its tests and closed after them. The object returned is filled in by then.
 */
import { after, before } from 'node:test';
import { backfilledCompany, type BackfilledCompany } from './backfilled-company.js';

type Options = Parameters<typeof backfilledCompany>[0];

/**
 * `from` and `to` default to the company's whole history (2024-01-01 through today), as a first
 * backfill reads it and the trial balance's cumulative accounts need it.
 */
export function useBackfilledCompany(
  options: Omit<Options, 'from' | 'to'> & Partial<Pick<Options, 'from' | 'to'>>,
): BackfilledCompany {
  const company = {} as BackfilledCompany;
  before(async () => {
    const { from = '2024-01-01', to = new Date().toISOString().slice(0, 10) } = options;
    Object.assign(company, await backfilledCompany({ ...options, from, to }));
  });
  after(async () => {
    // Set only when the backfill got that far.
    if (typeof company.close === 'function') await company.close();
  });
  return company;
}
