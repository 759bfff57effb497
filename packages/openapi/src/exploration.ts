import { type Exploration, type ExplorationOptions, exploration } from '@venomqa/core'
import { openApiActions } from './actions'
import { openApiSetup } from './auth'
import { missingDocumentError } from './document'
import { openApiInvariants } from './invariants'
import type { OpenApiOptions } from './model'

/**
 * An exploration made of a document alone: its auth as setup, one action per operation, and the
 * invariants it implies. What `venomqa explore --openapi` runs. With a `root`, a document file that is
 * not there is a ConfigError at once (see missingDocumentError).
 */
export function openApiExploration(source: string, options: OpenApiOptions & Omit<Partial<ExplorationOptions>, 'actions' | 'invariants' | 'setup'> & { name?: string } = {}): Exploration {
  const { auth, include, exclude, root, name, ...rest } = options
  // Checked now only with a root: without one, where the file is read from is known when the exploration runs.
  const missing = root === undefined ? undefined : missingDocumentError(source, root)
  if (missing) throw missing
  const openapi: OpenApiOptions = { auth, include, exclude, root }
  return exploration(name ?? `openapi ${source}`, {
    ...rest,
    setup: openApiSetup(source, openapi),
    actions: [openApiActions(source, openapi)],
    invariants: [openApiInvariants(source, openapi)],
  })
}
