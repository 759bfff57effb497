// Running a journey: the walker (execution/journey.ts), one step with its retries (execution/step.ts),
// one attempt of a step (execution/step-attempt.ts), and the lanes parallel paths run on (execution/lanes.ts).
export { type ExecutorSettings, type JourneyEnv, type StopReason, executeJourney } from './execution/journey'
export { type Lane, type WorkerLane, runOnLanes } from './execution/lanes'
export { type AttemptInput, type AttemptResult, attemptStep } from './execution/step-attempt'
export { type Outcome, judge } from './execution/outcome'
