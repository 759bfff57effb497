/** Quoting helpers: every identifier that reaches SQL text goes through `ident`. */

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** `"schema"."table"` */
export function qualified(schema: string, table: string): string {
  return `${ident(schema)}.${ident(table)}`
}

export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`
}

/** Bigints travel as text so that no precision is lost; this checks one before it is inlined in SQL. */
export function bigintLiteral(value: string | number | bigint): string {
  const text = String(value)
  if (!/^-?\d+$/.test(text)) throw new Error(`not an integer: ${text}`)
  return text
}
