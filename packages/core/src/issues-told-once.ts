import type { Issue, Severity } from './issues'

/** An issue as a report lists it: a run's issue names the journeys not run for it. */
export interface ToldIssue {
  issue: Issue
  /** the journeys whose own `not run: <this issue's error>` was folded into it */
  notRun: string[]
}

/** A journey's own issue: on its main line, at its step `journey`, about no request. */
export function isJourneyOwnIssue(issue: Issue): boolean {
  return !!issue.journey && issue.path === 'main' && issue.step === 'journey' && !issue.request
}

const causeKey = (severity: Severity, error: string) => JSON.stringify([severity, error])

/**
 * The issues as every report tells them: a journey's issue that is `not run: <the error of a run's issue>`
 * (a state backend that could not connect, a plugin's setup that hung, an app that did not start) is folded
 * into that run issue, which names the journeys (`notRun`). They were told twice, once on the journeys and
 * once on the run, and counted twice beside one cause. Every other issue is kept, in its order.
 */
export function toldOnce(issues: readonly Issue[]): ToldIssue[] {
  const causes = new Map<string, ToldIssue>()
  for (const issue of issues) {
    const key = causeKey(issue.severity, `not run: ${issue.error}`)
    if (!issue.journey && !causes.has(key)) causes.set(key, { issue, notRun: [] })
  }
  const out: ToldIssue[] = []
  for (const issue of issues) {
    const cause = isJourneyOwnIssue(issue) ? causes.get(causeKey(issue.severity, issue.error)) : undefined
    if (cause) {
      cause.notRun.push(issue.journey)
      continue
    }
    const own = issue.journey ? undefined : causes.get(causeKey(issue.severity, `not run: ${issue.error}`))
    out.push(own?.issue === issue ? own : { issue, notRun: [] })
  }
  return out
}
