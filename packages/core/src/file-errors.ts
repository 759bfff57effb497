import { errorMessage } from './errors'

/**
 * Why a file could not be read or written, in words. Node's own text (`ENOENT: no such file or
 * directory, mkdir '/abs/path'`) names an absolute path the user did not give, and a syscall, and reads
 * as a crash; the caller names the file as the user gave it. Codes not listed are given as they are.
 */
export function fileErrorReason(err: unknown, doing: 'read' | 'write' = 'read'): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  switch (code) {
    case 'ENOENT':
      // Writing, the file itself need not exist: a directory of its path is missing and could not be made,
      // or it is one that takes no new files (/proc).
      return doing === 'write' ? 'it cannot be made there (a directory of its path is missing and cannot be made, or takes no new files)' : 'no such file'
    case 'ENOTDIR':
      return doing === 'write' ? 'a file stands where a directory of its path would be' : 'no such file'
    case 'EISDIR':
      return 'it is a directory'
    case 'EEXIST':
      // mkdir's answer when a file stands where a directory was to be made.
      return doing === 'write' ? 'a file stands where a directory of its path would be' : 'it already exists'
    case 'EACCES':
    case 'EPERM':
      return 'permission denied'
    case 'EROFS':
      return 'the file system is read-only'
    case 'ENOSPC':
      return 'no space left on the device'
    case 'EDQUOT':
      return 'the disk quota is used up'
    case 'ENAMETOOLONG':
      return 'the file name is too long'
    default:
      // Node's own words for the rest (`EBUSY: resource busy or locked`), without the syscall and path it ends with.
      return errorMessage(err).replace(/, \w+ '[\s\S]*$/, '') || (code ?? 'unknown error')
  }
}
