// Entry point of the post step (dist/post/index.js): stop a runbook the main step left running.
import { post } from './post-step.js'

await post()
