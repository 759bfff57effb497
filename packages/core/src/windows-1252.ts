/** windows-1252's characters at 0x80 to 0x9f, where it differs from ISO-8859-1 (its five holes kept as C1). */
const WINDOWS_1252_HIGH = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178'

/**
 * Text read one character a byte (`buffer.toString('latin1')`) as windows-1252 means its bytes: what an
 * HTTP body labelled iso-8859-1, latin1, us-ascii or windows-1252 is (WHATWG Encoding), and what a
 * PostgreSQL client in WIN1252 writes. Node 20's TextDecoder decodes windows-1252 as ISO-8859-1, turning
 * 0x80 (the euro sign) and its neighbours into control characters.
 */
export function windows1252Text(latin1: string): string {
  return /[\x80-\x9f]/.test(latin1) ? latin1.replace(/[\x80-\x9f]/g, (c) => WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80]!) : latin1
}
