/** Every entity the emulator serves. Adding one: write its {@link EntityKind} and list it here. */
import { companyInfoKind, preferencesKind } from './company-snapshots.js';
import { customerKind } from './customer.js';
import type { EntityKind } from './entity-kind.js';
import { invoiceKind } from './invoice.js';
import { itemKind } from './item.js';
import {
  attachableKind,
  creditCardPaymentKind,
  depositKind,
  journalEntryKind,
  timeActivityKind,
  transferKind,
} from './ledger-transactions.js';
import {
  accountKind,
  budgetKind,
  classKind,
  departmentKind,
  employeeKind,
  paymentMethodKind,
  taxAgencyKind,
  taxCodeKind,
  taxRateKind,
  termKind,
  vendorKind,
} from './name-lists.js';
import {
  billKind,
  billPaymentKind,
  purchaseKind,
  purchaseOrderKind,
  vendorCreditKind,
} from './purchase-transactions.js';
import {
  creditMemoKind,
  estimateKind,
  paymentKind,
  refundReceiptKind,
  salesReceiptKind,
} from './sales-transactions.js';

export const ENTITY_KINDS: readonly EntityKind[] = [
  invoiceKind,
  customerKind,
  itemKind,
  accountKind,
  attachableKind,
  billKind,
  billPaymentKind,
  budgetKind,
  classKind,
  companyInfoKind,
  creditCardPaymentKind,
  creditMemoKind,
  departmentKind,
  depositKind,
  employeeKind,
  estimateKind,
  journalEntryKind,
  paymentKind,
  paymentMethodKind,
  preferencesKind,
  purchaseKind,
  purchaseOrderKind,
  refundReceiptKind,
  salesReceiptKind,
  taxAgencyKind,
  taxCodeKind,
  taxRateKind,
  termKind,
  timeActivityKind,
  transferKind,
  vendorKind,
  vendorCreditKind,
];

/**
 * The entities drift changes while serving: the ones a real company edits all day. Kept to the
 * first three, in this order, so a given seed drifts the same records as it always has.
 */
export const DRIFT_KINDS: readonly EntityKind[] = [invoiceKind, customerKind, itemKind];

const byLowerName = new Map(ENTITY_KINDS.map((k) => [k.qboName.toLowerCase(), k]));

/** Finds an entity by its QBO name, case-insensitively (QBO accepts `from invoice`). */
export function findEntityKind(name: string): EntityKind | undefined {
  return byLowerName.get(name.toLowerCase());
}
