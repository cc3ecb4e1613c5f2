-- What each signed attempt asked of the fee market (services/submitter/fee-policy.ts): its
-- compute-unit limit and price (micro-lamports per unit), and the fee in lamports it pays if it
-- lands (signatures × 5,000 + price × limit, rounded up). A re-sign after an expiry reads the
-- last attempt's price to raise it. NULL on attempts signed before fees were set.
ALTER TABLE submitter_attempts
  ADD COLUMN cu_limit     integer,
  ADD COLUMN cu_price     bigint,
  ADD COLUMN fee_lamports bigint;
