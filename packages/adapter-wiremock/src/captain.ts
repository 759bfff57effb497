import { plainRequest } from '@venomqa/core'
import { type IWireMockFeatures, type IWireMockRequest, type IWireMockResponse, type MatchingAttributes, WireMock } from 'wiremock-captain'
// Captain's own builders of a stub's JSON and its journal filter. Its version is pinned, and with it these files.
import { createWireMockRequest } from 'wiremock-captain/dist/RequestModel.js'
import { createWireMockResponse } from 'wiremock-captain/dist/ResponseModel.js'
import { filterRequest, getWebhookBody, getWebhookDelayBody } from 'wiremock-captain/dist/utils.js'

/**
 * Captain's client of one WireMock, every call of it sent on node:http (plainRequest) instead of the global
 * fetch, which refuses the fetch standard's "bad ports" (6665-6669, 10080, ...) where a WireMock may listen.
 * Each method sends what captain's (4.1.3) sends and answers as it answers: parsed JSON where captain reads
 * JSON, else a fetch `Response` (status, headers, body) made from the answer. Each call has the admin's
 * `timeoutMs`, which captain's fetch did not: a server that accepted and never answered held it for ever.
 */
export class PlainCaptain extends WireMock {
  readonly #timeoutMs: number

  constructor(baseUrl: string, timeoutMs: number) {
    super(baseUrl)
    this.#timeoutMs = timeoutMs
  }

  /** What captain's `fetch(url, init)` gave, sent on node:http: a fetch Response of the answer. */
  async #send(route: string, method: string, body?: unknown): Promise<Response> {
    const res = await plainRequest(this.makeUrl(route), {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.#timeoutMs),
    })
    const bytes = await res.bytes()
    const headers = new Headers()
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue
      for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one)
    }
    // A Response with a status that has no body (204, 304) must be made without one.
    const noBody = res.status === 101 || res.status === 204 || res.status === 205 || res.status === 304
    return new Response(noBody ? null : new Uint8Array(bytes), { status: res.status, headers })
  }

  async #json<T>(route: string, method: string, body?: unknown): Promise<T> {
    return (await (await this.#send(route, method, body)).json()) as T
  }

  override async register(request: IWireMockRequest, response: IWireMockResponse, features?: IWireMockFeatures): ReturnType<WireMock['register']> {
    // This client has no features of its own (see WireMockAdmin): the call's are all there are.
    return this.#json('__admin/mappings', 'POST', stubMapping(request, response, features ?? {}))
  }

  override async clearAllMappings(): Promise<Response> {
    return this.#send('__admin/mappings', 'DELETE')
  }

  override async clearAllRequests(): Promise<Response> {
    return this.#send('__admin/requests', 'DELETE')
  }

  override async deleteMapping(id: string): Promise<Response> {
    return this.#send(`__admin/mappings/${id}`, 'DELETE')
  }

  override async getAllMappings(): Promise<unknown[]> {
    return (await this.#json<{ mappings: unknown[] }>('__admin/mappings', 'GET')).mappings
  }

  override async getAllRequests(): Promise<unknown[]> {
    return (await this.#json<{ requests: unknown[] }>('__admin/requests', 'GET')).requests
  }

  override async getAllScenarios(): Promise<unknown[]> {
    return (await this.#json<{ scenarios: unknown[] }>('__admin/scenarios', 'GET')).scenarios
  }

  override async getMapping(id: string): Promise<unknown> {
    return this.#json(`__admin/mappings/${id}`, 'GET')
  }

  override async getRequestsForAPI(method: Parameters<WireMock['getRequestsForAPI']>[0], endpointUrl: string): Promise<unknown[]> {
    // Captain's own filter, over the journal read here.
    return (await this.getAllRequests()).filter((r) => filterRequest(method, endpointUrl, r))
  }

  override async getUnmatchedRequests(): Promise<unknown[]> {
    return (await this.#json<{ requests: unknown[] }>('__admin/requests/unmatched', 'GET')).requests
  }

  override async resetAllScenarios(): Promise<Response> {
    return this.#send('__admin/scenarios/reset', 'POST')
  }

  override async resetMappings(): Promise<Response> {
    return this.#send('__admin/mappings/reset', 'POST')
  }

  override async findMappingByMetadata(matchObject: Record<string, unknown>, matchType: MatchingAttributes): Promise<unknown[]> {
    return (await this.#json<{ mappings: unknown[] }>('__admin/mappings/find-by-metadata', 'POST', { [matchType]: matchObject })).mappings
  }

  override async removeMappingByMetadata(matchObject: Record<string, unknown>, matchType: MatchingAttributes): Promise<unknown> {
    return this.#json('__admin/mappings/remove-by-metadata', 'POST', { [matchType]: matchObject })
  }
}

/**
 * The stub mapping captain's register() (4.1.3) posts for these arguments, its features over none: its
 * builders make the request and the response, and the rest is put around them as it puts it.
 */
export function stubMapping(request: IWireMockRequest, response: IWireMockResponse, features: IWireMockFeatures): Record<string, unknown> {
  let mapping: Record<string, unknown> = { request: createWireMockRequest(request, features), response: createWireMockResponse(response, features) }
  if (features.stubPriority) mapping.priority = features.stubPriority
  if (features.scenario) mapping = { ...mapping, ...features.scenario }
  const webhook = features.webhook
  if (webhook)
    mapping.postServeActions = [
      {
        name: 'webhook',
        parameters: {
          method: webhook.method,
          url: webhook.url,
          ...(webhook.headers && { headers: webhook.headers }),
          ...(webhook.body && { body: getWebhookBody(webhook.body) }),
          ...(webhook.delay && { delay: getWebhookDelayBody(webhook.delay) }),
        },
      },
    ]
  if (features.fault) mapping.response = { fault: features.fault }
  if (request.metadata) mapping.metadata = request.metadata
  return mapping
}

