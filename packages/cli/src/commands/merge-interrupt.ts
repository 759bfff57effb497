import { lstatSync, unlinkSync } from 'node:fs'
import path from 'node:path'
import { removeOwnTempFilesSync } from '@venomqa/core'
import { EXIT, type Io } from '../exit'
import { exitNow } from '../exit-guard'
import { clearOutputs } from './outputs'

/** Thrown between a merge's steps once it was interrupted: what is left to do is not done. */
export class MergeInterrupted extends Error {
  constructor() {
    super('the merge was interrupted')
    this.name = 'MergeInterrupted'
  }
}

/**
 * Ctrl-C (or SIGTERM) during `venomqa merge-reports`. A merge has nothing to roll back and nothing of its
 * own to report as interrupted (the shards ran whole), so it stops: the first signal lets the output being
 * written finish (a write is atomic: whole, or not there), starts no other, and the merge then removes
 * the outputs it has, so that it never leaves part of them, nor an earlier merge's, for a CI step to read
 * as this one's. A second signal quits at once, removing what it can first. Exit 130 either way.
 */
export class MergeInterrupt {
  readonly #controller = new AbortController()
  readonly #handler = () => this.#onSignal()
  /** The files the merge writes, once known (see MergeInterrupt.outputs). */
  #outputs: readonly string[] = []

  constructor(private readonly io: Io) {
    process.on('SIGINT', this.#handler)
    process.on('SIGTERM', this.#handler)
  }

  /** For what the merge waits on that can stop early (a plugin's setup). */
  get signal(): AbortSignal {
    return this.#controller.signal
  }

  get interrupted(): boolean {
    return this.#controller.signal.aborted
  }

  /** The files the merge writes, resolved: removed when it is interrupted. */
  set outputs(files: readonly string[]) {
    this.#outputs = files
  }

  /** Between two steps of the merge: go no further once interrupted. */
  check(): void {
    if (this.interrupted) throw new MergeInterrupted()
  }

  /**
   * The merge stopped on the interrupt: its outputs removed (`clearUnknown` when they were not known yet:
   * what the flags and the config name), said, and the exit code for an interrupt.
   */
  async leaveNone(clearUnknown: () => Promise<void>): Promise<number> {
    const present = this.#outputs.filter(isRegularFile)
    if (this.#outputs.length) await clearOutputs(this.#outputs, this.io)
    else await clearUnknown()
    this.io.stderr.write(`venomqa: interrupted: the merge did not finish, and leaves none of its outputs${removedText(present, this.io.cwd)}\n`)
    return EXIT.INTERRUPTED
  }

  off(): void {
    process.off('SIGINT', this.#handler)
    process.off('SIGTERM', this.#handler)
  }

  #onSignal(): void {
    if (!this.interrupted) {
      this.io.stderr.write('\nvenomqa: interrupted: stopping the merge once the output under way is written (Ctrl-C again to quit now)\n')
      this.#controller.abort()
      return
    }
    // At once: a render or a delivery that hangs must not hold the quit. A write under way is cut short
    // with its temp file, which goes too.
    const present = this.#outputs.filter(isRegularFile)
    for (const file of this.#outputs) removeNow(file)
    this.io.stderr.write(`venomqa: quitting now: the merge did not finish, and leaves none of its outputs${removedText(present, this.io.cwd)}\n`)
    exitNow(EXIT.INTERRUPTED)
  }
}

function removedText(files: readonly string[], cwd: string): string {
  return files.length ? ` (removed ${files.map((f) => path.relative(cwd, f) || f).join(', ')})` : ''
}

function isRegularFile(file: string): boolean {
  try {
    return lstatSync(file).isFile()
  } catch {
    return false
  }
}

/**
 * An output removed in the moment a process has before it exits: the file if it is a regular one (as
 * clearOutputs has it: a device, a pipe or a link is left alone), and this process's temp files for it.
 */
function removeNow(file: string): void {
  if (isRegularFile(file)) {
    try {
      unlinkSync(file)
    } catch {
      // Gone already, or not ours to remove: the quit goes on.
    }
  }
  removeOwnTempFilesSync(file)
}
