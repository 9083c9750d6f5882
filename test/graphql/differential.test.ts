/**
 * The differential tests (test/support/differential.ts) over the demo
 * deployment as committed: the Parquet files under products/*\/data.
 */
import { describeDifferential } from '../support/differential.js';
import { openDemo } from '../support/demo.js';

describeDifferential('GraphQL answers equal DuckDB over the same files', () => openDemo());
