/**
 * A step that reads a context key no earlier step set, after a step of its line failed: most often the
 * failed step is the one whose `ctx.set` never ran, and the error says so, naming it, instead of sending
 * the user to check the key's spelling. The steps send no request.
 */
import { type Issue, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { MemoryState, createRunner } from '../src/index'

/** Sets `todoId` unless `fails`, as a create step whose status assertion failed before its ctx.set. */
const create = (fails: boolean) =>
  step('create', ({ ctx }) => {
    if (fails) throw new Error('expected status 201, got 200')
    ctx.set('todoId', 1)
  })
const readsTodo = (name: string) => step(name, ({ ctx }) => void ctx.require('todoId'))

async function issuesOf(steps: Parameters<typeof journey>[1]['steps']): Promise<Issue[]> {
  const runner = createRunner({ stateBackends: [new MemoryState({})] })
  const r = (await runner.run(journey('todos', { steps }))).journeys[0]!
  await runner.close()
  return r.issues
}

describe('a missing context key after a failed step', () => {
  it('names the step that failed before it, on the main line and in the paths of a checkpoint taken after it', async () => {
    const issues = await issuesOf([
      step('log_in', ({ ctx }) => void ctx.set('token', 't')),
      create(true),
      readsTodo('read_back'),
      checkpoint('one_todo'),
      branch('one_todo', [path('complete', [readsTodo('mark_done')])]),
    ])
    expect(issues.map((i) => [i.path, i.step, i.error])).toEqual([
      ['main', 'create', 'expected status 201, got 200'],
      ['main', 'read_back', 'context has no "todoId" (it has: token); step "create" failed before this one, so the value may never have been set'],
      ['complete', 'mark_done', 'context has no "todoId" (it has: token); steps "create", "read_back" failed before this one, so the value may never have been set'],
    ])
    expect(issues[1]!.suggestion).toMatch(/^Fix step "create" first: a step that failed before its ctx\.set\(\) left the value out.*failFast: true/)
  })

  it("names a failed step of the same path, not a sibling path's, nor one after the checkpoint", async () => {
    const issues = await issuesOf([
      create(false),
      checkpoint('one_todo'),
      step('after_checkpoint', () => {
        throw new Error('undone for every path')
      }),
      branch('one_todo', [
        path('fails_first', [step('delete', ({ ctx }) => void ctx.delete('todoId')), step('boom', () => { throw new Error('boom') }), readsTodo('read')]),
        path('sibling', [readsTodo('read')]),
      ]),
    ])
    expect(issues.filter((i) => i.step === 'read').map((i) => [i.path, i.error])).toEqual([
      ['fails_first', 'context has no "todoId" (it is empty); step "boom" (path fails_first) failed before this one, so the value may never have been set'],
    ])
  })

  it('leaves the message as it was when nothing failed before', async () => {
    const issues = await issuesOf([step('log_in', ({ ctx }) => void ctx.set('token', 't')), readsTodo('read_back')])
    expect(issues.map((i) => i.error)).toEqual(['context has no "todoId" (it has: token)'])
    expect(issues[0]!.suggestion).toMatch(/^A step read a value that no earlier step of this path set/)
  })
})
