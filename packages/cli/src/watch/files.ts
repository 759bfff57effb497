import { type FSWatcher, existsSync, watch } from 'node:fs'
import path from 'node:path'

/** Editors write a file in several steps (temp file, rename, chmod): one quiet moment ends a burst. */
export const SETTLE_MS = 100

export interface FileWatcher {
  /** Watch these files from now on (and only these); returns how many there are. */
  set(files: Iterable<string>): number
  close(): void
}

/**
 * Watch files through their directories with `fs.watch`, and report what changed once the changes have
 * settled. A directory, not the file: an editor that saves atomically writes a temp file and renames it
 * over the original, so a watch on the file's inode would see the rename and then nothing more, while
 * the directory reports every save under the file's name (this is what Node's own `--watch` does).
 * Names in a watched directory that are not watched files are reported too, so the caller can notice a
 * new journey file; it decides what matters.
 */
export function watchFiles(onChanges: (changed: Set<string>) => void, settleMs = SETTLE_MS): FileWatcher {
  const watchers = new Map<string, FSWatcher>()
  let watched = new Set<string>()
  let pending = new Set<string>()
  let timer: NodeJS.Timeout | undefined

  const flush = () => {
    timer = undefined
    const changed = pending
    pending = new Set()
    if (changed.size) onChanges(changed)
  }
  const changedIn = (dir: string, name: string | null) => {
    if (name) pending.add(path.join(dir, name))
    // No name (some platforms, some events): any watched file there may have changed.
    else for (const file of watched) if (path.dirname(file) === dir) pending.add(file)
    if (timer) clearTimeout(timer)
    timer = setTimeout(flush, settleMs)
  }
  const open = (dir: string) => {
    try {
      const watcher = watch(dir, { persistent: true }, (_event, name) => changedIn(dir, name === null ? null : String(name)))
      // The directory went away (or became unreadable): stop; the next `set` watches it again if it is back.
      watcher.on('error', () => {
        watcher.close()
        if (watchers.get(dir) === watcher) watchers.delete(dir)
        changedIn(dir, null)
      })
      watchers.set(dir, watcher)
    } catch {
      // Gone between the check and the watch: nothing to watch there now.
    }
  }

  /**
   * A watched file's directory that does not exist (deleted with the file, by a branch switch say) cannot
   * be watched: its nearest existing parent is, until it is back. Then it is watched, and its watched
   * files that are there already are reported: they may have been written before its watch began.
   */
  const waiting = new Map<string, FSWatcher>()
  const dirsOf = () => new Set([...watched].map((f) => path.dirname(f)))
  const waitForMissing = () => {
    const parents = new Set([...dirsOf()].filter((dir) => !watchers.has(dir)).flatMap((dir) => nearestExisting(dir) ?? []))
    for (const [parent, watcher] of waiting)
      if (!parents.has(parent)) {
        watcher.close()
        waiting.delete(parent)
      }
    for (const parent of parents) {
      if (waiting.has(parent)) continue
      try {
        const watcher = watch(parent, { persistent: true }, () => reappeared())
        watcher.on('error', () => {
          watcher.close()
          if (waiting.get(parent) === watcher) waiting.delete(parent)
        })
        waiting.set(parent, watcher)
      } catch {
        // Gone too: the next `set` looks again.
      }
    }
  }
  const reappeared = () => {
    for (const dir of dirsOf()) {
      if (watchers.has(dir) || !existsSync(dir)) continue
      open(dir)
      for (const file of watched) if (path.dirname(file) === dir && existsSync(file)) changedIn(dir, path.basename(file))
    }
    waitForMissing()
  }

  return {
    set(files) {
      watched = new Set(files)
      const dirs = dirsOf()
      for (const [dir, watcher] of watchers)
        // A directory deleted and made again is another one: the watch on the old one would see nothing.
        if (!dirs.has(dir) || !existsSync(dir)) {
          watcher.close()
          watchers.delete(dir)
        }
      for (const dir of dirs) if (!watchers.has(dir) && existsSync(dir)) open(dir)
      waitForMissing()
      return watched.size
    },
    close() {
      if (timer) clearTimeout(timer)
      timer = undefined
      for (const watcher of [...watchers.values(), ...waiting.values()]) watcher.close()
      watchers.clear()
      waiting.clear()
    },
  }
}

/** `dir` or the nearest of its parents that exists, if any. */
function nearestExisting(dir: string): string | undefined {
  for (let at = dir; ; at = path.dirname(at)) {
    if (existsSync(at)) return at
    if (path.dirname(at) === at) return undefined
  }
}
