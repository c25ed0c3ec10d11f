// Pruning's worker pool is the project's one pool (src/pool.ts); kept here under its old path.
export { mapBounded, type Settled } from '../pool.js'
