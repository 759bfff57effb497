import { type PluginApi, optionPath } from '@venomqa/core'
import type { MailClientBase } from './mail-client'

interface OpenPath {
  journey: string
  checkpoint: string
  path: string
  /** Not the first path of its branch: it starts with the mail the paths before it caused. */
  later: boolean
}

/**
 * A MailHog or Mailpit mailbox without `rollback: true` takes no part in checkpoints, so every path after the
 * first of a branch starts with the mail the paths before it caused, and a waitForEmail there can pass on one
 * of theirs. Said once a run, at the first look at the box inside such a path: a journey that branches but
 * never reads mail there is told nothing. The paths open now are followed through the path hooks.
 */
export function warnWhenPathsShareTheMailbox(api: PluginApi<unknown>, client: MailClientBase): void {
  const firstPath = new Map<string, string>()
  const open: OpenPath[] = []
  const branchKey = (journey: string, checkpoint: string) => `${journey}\0${checkpoint}`
  let told = false
  api.addHook('branchStart', (e) => {
    firstPath.set(branchKey(e.journey, e.checkpoint), e.paths[0] ?? '')
  })
  api.addHook('pathStart', (e) => {
    open.push({ journey: e.journey, checkpoint: e.checkpoint, path: e.path, later: firstPath.get(branchKey(e.journey, e.checkpoint)) !== e.path })
  })
  api.addHook('pathEnd', (e) => {
    const at = open.findLastIndex((p) => p.journey === e.journey && p.checkpoint === e.checkpoint && p.path === e.path)
    if (at >= 0) open.splice(at, 1)
  })
  client.onLook = () => {
    if (told) return
    const later = open.findLast((p) => p.later)
    if (later === undefined) return
    told = true
    const option = api.where !== undefined ? optionPath(api.where, ['rollback']) : 'rollback'
    api.log.warn(
      `the mailbox at ${client.location} takes no part in checkpoints (rollback is off): path "${later.path}" of the branch from "${later.checkpoint}" in journey "${later.journey}" ` +
        `starts with the mail the paths before it caused, and a waitForEmail there can match one of theirs. Set ${option}: true for a mailbox only this run uses (venomqa mail-catcher's)`,
    )
  }
}
