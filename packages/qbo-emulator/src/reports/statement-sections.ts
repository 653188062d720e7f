/**
 * The statements' section trees, as data: QBO's groups, titles and summaries, which account types
 * each section lists, and which groups add up to the summary-only lines.
 */
import type { SectionSpec } from './section-render.js';

export const PROFIT_AND_LOSS_SECTIONS: readonly SectionSpec[] = [
  { group: 'Income', title: 'Income', total: 'Total Income', types: ['Income'] },
  {
    group: 'COGS',
    title: 'Cost of Goods Sold',
    total: 'Total Cost of Goods Sold',
    types: ['Cost of Goods Sold'],
  },
  {
    group: 'GrossProfit',
    total: 'Gross Profit',
    formula: [
      ['Income', 1],
      ['COGS', -1],
    ],
  },
  { group: 'Expenses', title: 'Expenses', total: 'Total Expenses', types: ['Expense'] },
  {
    group: 'NetOperatingIncome',
    total: 'Net Operating Income',
    formula: [
      ['GrossProfit', 1],
      ['Expenses', -1],
    ],
  },
  { group: 'OtherIncome', title: 'Other Income', total: 'Total Other Income', types: ['Other Income'] },
  {
    group: 'OtherExpenses',
    title: 'Other Expenses',
    total: 'Total Other Expenses',
    types: ['Other Expense'],
  },
  {
    group: 'NetOtherIncome',
    total: 'Net Other Income',
    formula: [
      ['OtherIncome', 1],
      ['OtherExpenses', -1],
    ],
  },
  {
    group: 'NetIncome',
    total: 'Net Income',
    formula: [
      ['NetOperatingIncome', 1],
      ['NetOtherIncome', 1],
    ],
  },
];

const leaf = (group: string, title: string, types: string[]): SectionSpec => ({
  group,
  title,
  total: `Total ${title}`,
  types,
});

export const BALANCE_SHEET_SECTIONS: readonly SectionSpec[] = [
  {
    group: 'TotalAssets',
    title: 'ASSETS',
    total: 'TOTAL ASSETS',
    children: [
      {
        group: 'CurrentAssets',
        title: 'Current Assets',
        total: 'Total Current Assets',
        children: [
          leaf('BankAccounts', 'Bank Accounts', ['Bank']),
          leaf('AR', 'Accounts Receivable', ['Accounts Receivable']),
          leaf('OtherCurrentAssets', 'Other Current Assets', ['Other Current Asset']),
        ],
      },
      leaf('FixedAssets', 'Fixed Assets', ['Fixed Asset']),
      leaf('OtherAssets', 'Other Assets', ['Other Asset']),
    ],
  },
  {
    group: 'TotalLiabilitiesAndEquity',
    title: 'LIABILITIES AND EQUITY',
    total: 'TOTAL LIABILITIES AND EQUITY',
    children: [
      {
        group: 'Liabilities',
        title: 'Liabilities',
        total: 'Total Liabilities',
        children: [
          {
            group: 'CurrentLiabilities',
            title: 'Current Liabilities',
            total: 'Total Current Liabilities',
            children: [
              leaf('AP', 'Accounts Payable', ['Accounts Payable']),
              leaf('CreditCards', 'Credit Cards', ['Credit Card']),
              leaf('OtherCurrentLiabilities', 'Other Current Liabilities', ['Other Current Liability']),
            ],
          },
          leaf('LongTermLiabilities', 'Long-Term Liabilities', ['Long Term Liability']),
        ],
      },
      {
        ...leaf('Equity', 'Equity', ['Equity']),
        named: { name: 'NetIncome', label: 'Net Income', at: 'last' },
        always: true,
      },
    ],
  },
];

export const CASH_FLOW_SECTIONS: readonly SectionSpec[] = [
  {
    group: 'OperatingActivities',
    title: 'OPERATING ACTIVITIES',
    total: 'Net cash provided by operating activities',
    named: { name: 'NetIncome', label: 'Net Income', at: 'first' },
    always: true,
    children: [
      {
        group: 'OperatingAdjustments',
        title: 'Adjustments to reconcile Net Income to Net Cash provided by operations:',
        total: 'Total Adjustments to reconcile Net Income to Net Cash provided by operations:',
        types: [
          'Accounts Receivable',
          'Other Current Asset',
          'Accounts Payable',
          'Credit Card',
          'Other Current Liability',
        ],
      },
    ],
  },
  leaf('InvestingActivities', 'INVESTING ACTIVITIES', ['Fixed Asset', 'Other Asset']),
  leaf('FinancingActivities', 'FINANCING ACTIVITIES', ['Long Term Liability', 'Equity']),
  {
    group: 'CashIncrease',
    total: 'NET CASH INCREASE FOR PERIOD',
    formula: [
      ['OperatingActivities', 1],
      ['InvestingActivities', 1],
      ['FinancingActivities', 1],
    ],
  },
  {
    group: 'BeginningCash',
    total: 'Cash at beginning of period',
    named: { name: 'BeginningCash', label: '', at: 'value' },
  },
  {
    group: 'EndingCash',
    total: 'CASH AT END OF PERIOD',
    formula: [
      ['CashIncrease', 1],
      ['BeginningCash', 1],
    ],
  },
];
