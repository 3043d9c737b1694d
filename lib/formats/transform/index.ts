/** Transforms on ingest (issue 17): a route's `select`/`where` applied to record batches. */
export { METADATA_COLUMNS } from './bind.js';
export type { TransformMetadata } from './eval-context.js';
export { FUNCTIONS } from './functions.js';
export {
  BatchTransform,
  bindTransform,
  checkTransform,
  type OutputColumn,
  type TransformPlan,
  type TransformSpec,
  whereConjuncts,
} from './row-transform.js';
export { TransformError } from './transform-error.js';
