/**
 * A fees document for the body-variant tests: a payment method that is a card or a voucher (a `oneOf` with a
 * discriminator, each alternative with a pattern the sampler's `'string'` breaks), and `extra` schemas beside.
 */
export function feesDoc(extra: Record<string, unknown> = {}) {
  return {
    openapi: '3.0.3',
    info: { title: 'fees', version: '1' },
    paths: {},
    components: {
      schemas: {
        Card: {
          type: 'object',
          required: ['kind', 'number'],
          properties: { kind: { type: 'string' }, number: { type: 'string', pattern: '^[0-9]{16}$' } },
        },
        Voucher: { type: 'object', required: ['kind', 'code'], properties: { kind: { type: 'string' }, code: { type: 'string', pattern: '^V-[0-9]{4}$' } } },
        Method: {
          oneOf: [{ $ref: '#/components/schemas/Card' }, { $ref: '#/components/schemas/Voucher' }],
          discriminator: { propertyName: 'kind', mapping: { card: '#/components/schemas/Card', voucher: '#/components/schemas/Voucher' } },
        },
        ...extra,
      },
    },
  }
}

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })

/** Each variant's body by its name. */
export const byName = (bodies: { variant: string; body: unknown }[]) => Object.fromEntries(bodies.map((b) => [b.variant, b.body]))

/** A loan's return, good or damaged (then with a note): closed alternatives, told apart by an enum of one. */
export const RETURN = {
  oneOf: [
    { type: 'object', required: ['condition'], properties: { condition: { type: 'string', enum: ['good'] } }, additionalProperties: false },
    {
      type: 'object',
      required: ['condition', 'note'],
      properties: { condition: { type: 'string', enum: ['damaged'] }, note: { type: 'string', minLength: 1 } },
      additionalProperties: false,
    },
  ],
}
