import type { Issue } from '@venomqa/core'

const PREFIX = 'checkpoint '

/** The step of the issue of a checkpoint that could not be taken: `checkpoint <name>`. */
export function checkpointStep(name: string): string {
  return `${PREFIX}${name}`
}

/**
 * The checkpoint an issue says could not be taken (see JourneyExecution.runCheckpoint), for a reporter to
 * tell as it happens; undefined for any other issue. A failed checkpoint has no `checkpoint` event, which
 * means one was taken (a plugin that follows open checkpoints counts it).
 */
export function failedCheckpointOf(issue: Pick<Issue, 'kind' | 'source' | 'step'>): string | undefined {
  return issue.kind === 'state' && issue.source === 'state' && issue.step.startsWith(PREFIX) ? issue.step.slice(PREFIX.length) : undefined
}
