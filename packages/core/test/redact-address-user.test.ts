/**
 * A connection string whose user is an address, written without `//` (`ada@corp.com:s3cret@db`, as a
 * `DATABASE_URL` or an error quoting one holds it): its password is masked and the address shown; an
 * scp-style Git remote with a ref (`git@github.com:org/repo@v1.2`), which reads the same way, is shown.
 */
import { describe, expect, it } from 'vitest'
import { redactCredentials, redactText } from '../src/index'
import { finishes } from './hang-guard'

/** Both masks agree, and masking again changes nothing. */
function shown(text: string): string {
  const masked = redactText(text)
  expect(redactCredentials(text), text).toBe(masked)
  expect(redactText(masked), text).toBe(masked)
  return masked
}

describe('a user name that is an address, before a password, with no `//`', () => {
  it('has its password masked and the address shown, in a variable, an error and a query value', () => {
    for (const [text, masked] of [
      ['ada@corp.com:pw@db', 'ada@corp.com:***@db'],
      ['DATABASE_URL=ada@corp.com:s3cret@db:5432/app', 'DATABASE_URL=ada@corp.com:***@db:5432/app'],
      ['connect ada@corp.com:s3cret@127.0.0.1:5432 failed: refused', 'connect ada@corp.com:***@127.0.0.1:5432 failed: refused'],
      ['got "ada@corp.com:p@ss#w:rd@db.internal/app"', 'got "ada@corp.com:***@db.internal/app"'],
      ['?dsn=ada@corp.com:s3cret@db/app&by=bob@example.test', '?dsn=ada@corp.com:***@db/app&by=bob@example.test'],
      ['http//ada@corp.com:s3cret@db', 'http//ada@corp.com:***@db'],
      // A word and a colon before it may be the scheme or the user: all of it goes, as for any user.
      ['postgres:ada@corp.com:s3cret@db', 'postgres:[REDACTED]@db'],
    ])
      expect(shown(text), text).toBe(masked)
  })

  it('leaves a Git remote with a ref, and addresses in prose, as they are', () => {
    for (const text of [
      'git@github.com:org/repo@v1.2',
      'clone git@gitlab.example.test:group/sub/repo.git@main',
      'ada@corp.com:5432/app@x',
      'contact ada@corp.com: bob@corp.com',
      'from:ada@example.test to:bob@example.test',
    ])
      expect(shown(text), text).toBe(text)
  })

  it('a hostile text of addresses and colons is read a bounded number of times', () => {
    for (const hostile of [`${' a@b.cc:'.repeat(150_000)}@h`, `${'a@b.cc:'.repeat(150_000)}`, ` a@${'b.'.repeat(300_000)}cc:x@h`, ` a@b.cc:${'x/'.repeat(300_000)}@h`]) {
      finishes(hostile.slice(0, 20), () => redactText(hostile))
    }
  })
})
