// Post step: stop a runbook execution the main step left running. OWNER: sources helper (stub).
export async function post(): Promise<void> {}

await post()
