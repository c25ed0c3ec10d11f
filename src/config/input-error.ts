// InputError lives in src/errors.ts with the other error classes; re-exported for the parsers.
export { InputError } from '../errors.js'
