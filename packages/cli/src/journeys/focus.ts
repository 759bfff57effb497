import { type Journey, UserError, focusJourneys } from '@venomqa/core'

/** `CI` as CI services set it: present, and not `false` or `0`. */
export function isCiEnv(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI?.trim().toLowerCase()
  return !!ci && ci !== 'false' && ci !== '0'
}

/**
 * `journey.only` narrows a run to the focused journeys: handy while writing one, a silent loss of coverage
 * when committed. With CI set, any loaded journey that uses it is refused (exit 2) unless `--allow-only`,
 * as Playwright's forbidOnly does; the error names each such journey and its file.
 */
export function refuseOnlyInCi(all: readonly { journey: Journey; file: string }[], env: NodeJS.ProcessEnv, allowOnly: boolean | undefined): void {
  if (allowOnly || !isCiEnv(env)) return
  const focused = all.filter((x) => x.journey.mode === 'only')
  if (!focused.length) return
  const list = focused.map((x) => `"${x.journey.name}" in ${x.file}`).join(', ')
  throw new UserError(
    'E_ONLY',
    `journey.only is not allowed when CI is set: ${list}. Remove .only (so the whole suite runs), or pass --allow-only to run only ${focused.length === 1 ? 'it' : 'them'}`,
    { where: focused[0]!.file },
  )
}

/** The selected journeys once `journey.only` is considered, and a line saying so when it narrowed them. */
export function focusSelection<T extends { journey: Journey; file: string }>(selected: readonly T[]): { items: T[]; note?: string } {
  const { items, focused } = focusJourneys(selected)
  if (!focused.length) return { items }
  const names = focused.map((x) => `"${x.journey.name}" (${x.file})`).join(', ')
  return { items, note: `journey.only: running only ${focused.length === 1 ? 'the journey' : `the ${focused.length} journeys`} marked only: ${names}` }
}
