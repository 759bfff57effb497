/**
 * Whether a word reads like a generated key by its form alone: what redaction takes for a credential
 * where no name says so (a cookie's value, a URL's user name).
 */

/** The runs of a token's alphabet (letters, digits, `-_.+/=~`) in `text`: where a key stands in a sentence, a query or a path. */
export function wordsOf(text: string): string[] {
  return text.split(/[^\w.+/=~-]+/)
}

/** A hyphenated UUID: random, but an id, which documents give as examples everywhere. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** Shortest word taken for a generated key: shorter random-looking words are ids and codes (`ord_8xK2`). */
export const MIN_RANDOM_WORD = 20
/** Bits of Shannon entropy a character a generated key has at least (a random hex word of 20 has about 3.4): fewer, it repeats itself (`a1a1a1...`). */
const MIN_RANDOM_BITS = 3

/**
 * Share of neighbouring characters of a generated key that are of different kinds (a digit, a small
 * letter, a capital), a capital followed by small letters aside (the start of a word of a name): about
 * 0.45 in a random base-62 key and 0.47 in a random hex one; in a name made of words and a number
 * (`createOrder2024Request`, `user_1234567890abcdef`) the kind changes only where a word or the number
 * starts.
 */
const MIN_KIND_CHANGES = 0.25

/**
 * A word that reads like a generated key (`9fK2mQ7xLp3RtV8wZ1nB4cD6`): long, letters and digits both in
 * it, mixed all along, few characters repeated. A UUID is an id, a word with no digit is prose or a name.
 */
export function isRandomWord(word: string): boolean {
  if (word.length < MIN_RANDOM_WORD || UUID.test(word) || !/\d/.test(word) || !/[A-Za-z]/.test(word)) return false
  return kindChanges(word) >= MIN_KIND_CHANGES && entropyPerCharacter(word) >= MIN_RANDOM_BITS
}

/** The share of neighbouring letters and digits of `word` that are of different kinds, a capital then a small letter aside. */
function kindChanges(word: string): number {
  let pairs = 0
  let changes = 0
  for (let i = 1; i < word.length; i++) {
    const before = kindOf(word.charCodeAt(i - 1))
    const here = kindOf(word.charCodeAt(i))
    if (before === 0 || here === 0) continue
    pairs++
    if (before !== here && !(before === 3 && here === 2)) changes++
  }
  return pairs ? changes / pairs : 0
}

/** 1 a digit, 2 a small letter, 3 a capital, 0 anything else. */
function kindOf(code: number): number {
  if (code >= 48 && code <= 57) return 1
  if (code >= 97 && code <= 122) return 2
  if (code >= 65 && code <= 90) return 3
  return 0
}

function entropyPerCharacter(word: string): number {
  const counts = new Map<string, number>()
  for (const c of word) counts.set(c, (counts.get(c) ?? 0) + 1)
  let bits = 0
  for (const n of counts.values()) bits -= (n / word.length) * Math.log2(n / word.length)
  return bits
}
