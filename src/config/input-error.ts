// InputError lives in its own module so the parsers can throw it without importing config.ts.

/** A problem with an input; the message always names the input and the fix. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string,
    /** When several inputs are wrong at once: each problem (the message lists them all). */
    readonly problems: readonly InputError[] = []
  ) {
    super(message)
    this.name = 'InputError'
  }
}
