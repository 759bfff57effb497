import type { ShrinkFn } from '../contracts'
import { shrink } from './shrink'

export { confirmSequence } from './confirm'
export { complexityOf, compareComplexity, simplerInputs, type Complexity } from './complexity'
export { trialVerdict, type TrialVerdict } from './trials'

/** Shrink a sequence that breaks an invariant (EXPLORATION.md section 4); see `shrink`. */
export const shrinkSequence: ShrinkFn = (input) => shrink(input)
