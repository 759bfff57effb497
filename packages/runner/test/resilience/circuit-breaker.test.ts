import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { UserError } from '@venomqa/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ControllableClock } from '../../src/adapters/controllable-clock'
import { CircuitBreaker, CircuitOpenError, type CircuitState } from '../../src/circuit-breaker'

const fail = (message = 'service down') => () => Promise.reject(new Error(message))

describe('CircuitBreaker: the guide example (threshold 3, recovery 30 s)', () => {
  it('opens after 3 failures, refuses calls without making them, lets one trial through after 30 s', async () => {
    const clock = new ControllableClock({ frozen: true })
    const changes: string[] = []
    const circuit = new CircuitBreaker({
      name: 'unreliable',
      failureThreshold: 3,
      recoveryTimeout: 30_000,
      clock,
      onStateChange: ({ from, to }) => changes.push(`${from}->${to}`),
    })
    for (let i = 0; i < 3; i++) await expect(circuit.execute(fail())).rejects.toThrow('service down')
    expect(circuit.state).toBe('open')

    let calls = 0
    const protectedCall = () => circuit.execute(async () => ++calls)
    const refused = await protectedCall().catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(CircuitOpenError)
    expect((refused as CircuitOpenError).message).toBe(
      'circuit "unreliable" is open after 3 consecutive failures (last: service down); a trial call is allowed in 30.0 s',
    )
    expect((refused as CircuitOpenError).retryAfterMs).toBe(30_000)
    expect(calls).toBe(0)

    clock.advance(29_999)
    await expect(protectedCall()).rejects.toBeInstanceOf(CircuitOpenError)
    clock.advance(1)
    expect(circuit.state).toBe('half-open')
    expect(await protectedCall()).toBe(1)
    expect(circuit.state).toBe('closed')
    expect(changes).toEqual(['closed->open', 'open->half-open', 'half-open->closed'])
    expect(circuit.stats()).toMatchObject({ calls: 4, successes: 1, failures: 3, rejected: 2, consecutiveFailures: 0, state: 'closed' })
  })
})

describe('CircuitBreaker', () => {
  it('a failed trial opens the circuit again for a full recovery timeout', async () => {
    const clock = new ControllableClock({ frozen: true })
    const circuit = new CircuitBreaker({ failureThreshold: 1, recoveryTimeout: 1000, clock })
    await expect(circuit.execute(fail())).rejects.toThrow()
    clock.advance(1000)
    await expect(circuit.execute(fail('still down'))).rejects.toThrow('still down')
    expect(circuit.state).toBe('open')
    clock.advance(999)
    await expect(circuit.execute(async () => 'x')).rejects.toBeInstanceOf(CircuitOpenError)
    clock.advance(1)
    expect(await circuit.execute(async () => 'x')).toBe('x')
  })

  it('a failed trial reopens at once even below the threshold (after trip())', async () => {
    const clock = new ControllableClock({ frozen: true })
    const circuit = new CircuitBreaker({ failureThreshold: 3, recoveryTimeout: 100, clock })
    circuit.trip()
    clock.advance(100)
    expect(circuit.state).toBe('half-open')
    await expect(circuit.execute(fail())).rejects.toThrow('service down')
    expect(circuit.state).toBe('open')
    expect(circuit.stats().consecutiveFailures).toBe(1)
  })

  it('in half-open state only one trial runs; calls meanwhile are refused', async () => {
    const clock = new ControllableClock({ frozen: true })
    const circuit = new CircuitBreaker({ failureThreshold: 1, recoveryTimeout: 10, clock })
    await expect(circuit.execute(fail())).rejects.toThrow()
    clock.advance(10)
    let finishTrial!: (v: string) => void
    const trial = circuit.execute(() => new Promise<string>((r) => (finishTrial = r)))
    const during = await circuit.execute(async () => 'second').catch((e: CircuitOpenError) => e)
    expect(during).toBeInstanceOf(CircuitOpenError)
    expect((during as CircuitOpenError).message).toMatch(/a trial call is in progress/)
    finishTrial('trial ok')
    expect(await trial).toBe('trial ok')
    expect(circuit.state).toBe('closed')
  })

  it('a success resets the count of consecutive failures', async () => {
    const circuit = new CircuitBreaker({ failureThreshold: 3 })
    await expect(circuit.execute(fail())).rejects.toThrow()
    await expect(circuit.execute(fail())).rejects.toThrow()
    await circuit.execute(async () => 'ok')
    await expect(circuit.execute(fail())).rejects.toThrow()
    await expect(circuit.execute(fail())).rejects.toThrow()
    expect(circuit.state).toBe('closed')
    await expect(circuit.execute(fail())).rejects.toThrow()
    expect(circuit.state).toBe('open')
  })

  it('errors the caller does not count (isFailureError) pass through without opening it', async () => {
    const circuit = new CircuitBreaker({ failureThreshold: 1, isFailureError: (e) => !(e instanceof UserError) })
    await expect(circuit.execute(() => Promise.reject(new UserError('E_CONFIG', 'bad input')))).rejects.toThrow('bad input')
    expect(circuit.state).toBe('closed')
  })

  it('trip(), reset() and wrap()', async () => {
    const circuit = new CircuitBreaker({ recoveryTimeout: 60_000 })
    const double = circuit.wrap(async (n: number) => n * 2)
    expect(await double(21)).toBe(42)
    circuit.trip()
    await expect(double(1)).rejects.toBeInstanceOf(CircuitOpenError)
    circuit.reset()
    expect(await double(2)).toBe(4)
  })

  it('refuses bad options clearly', () => {
    expect(() => new CircuitBreaker({ name: 'pay', failureThreshold: 0 })).toThrow('circuit "pay": failureThreshold must be a whole number of 1 or more, got 0')
    expect(() => new CircuitBreaker({ recoveryTimeout: -1 })).toThrow(/recoveryTimeout must be 0 ms or more/)
  })
})

describe('CircuitBreaker against a real HTTP server answering 503', () => {
  let server: http.Server
  let url: string
  let hits = 0
  let healthy = false
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      hits++
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ healthy }))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/unreliable`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  it('counts 5xx responses as failures (still returning them) and stops sending requests once open', async () => {
    const clock = new ControllableClock({ frozen: true })
    const states: CircuitState[] = []
    const circuit = new CircuitBreaker({ name: 'unreliable-api', failureThreshold: 3, recoveryTimeout: 30_000, clock, onStateChange: (c) => states.push(c.to) })
    for (let i = 0; i < 3; i++) {
      const res = await circuit.execute(() => fetch(url))
      expect(res.status).toBe(503)
      await res.arrayBuffer()
    }
    expect(circuit.state).toBe('open')
    await expect(circuit.execute(() => fetch(url))).rejects.toThrow(/^circuit "unreliable-api" is open after 3 consecutive failures \(last: http:\/\/127\.0\.0\.1:\d+\/api\/unreliable answered 503\)/)
    expect(hits).toBe(3) // the refused call never reached the server

    healthy = true
    clock.advance({ seconds: 30 })
    const res = await circuit.execute(() => fetch(url))
    expect(res.status).toBe(200)
    await res.arrayBuffer()
    expect(hits).toBe(4)
    expect(states).toEqual(['open', 'half-open', 'closed'])
  })
})
