export { type LoadedDocument, type JsonSchema, type OpenApiDocument, type SchemaPart, allOfParts, loadDocument, resolvePointer, resolveSchema } from './document'
export { type HttpMethodName, type Link, type Operation, type Parameter, type ResponseSpec, describeOperation, headersMeetSecurity, linkPointerNames, operations } from './operations'
export { type OpenApiAuth, type OpenApiOptions, checkDocumentSchemas } from './model'
export { type Selection, selectOperations } from './select'
export {
  type AlternativeBound,
  type AlternativeBoundVariant,
  type AlternativeNullVariant,
  type AlternativeVariant,
  type BodyVariant,
  type BodyVariantOptions,
  MAX_ALTERNATIVE_BOUNDS,
  MAX_ALTERNATIVES,
  MAX_NESTED_ALTERNATIVES,
  type NestedAlternativeVariant,
  type NumberBound,
  type SampledBody,
  bodyVariants,
  lowerBound,
  upperBound,
} from './sample'
export { type OpenApiInput, openApiActions } from './actions'
export { type QueryVariant, parameterPairs } from './query'
export { OPENAPI_INVARIANTS, openApiInvariants } from './invariants'
export { openApiSetup } from './auth'
export { openApiExploration } from './exploration'
export { SchemaChecker } from './schema'
export { type Discriminator, componentNames, discriminatorOf, tagValues } from './discriminator'
