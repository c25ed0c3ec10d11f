// AWS error -> one message with the service's reason and a hint. OWNER: sources helper (stub).
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
