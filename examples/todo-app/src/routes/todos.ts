import { type Router, invalid, notFound, readJson } from '@venomqa/example-app-kit'
import { type Services, requireUser } from '../services'
import { idParam, optionalBoolean, optionalString, requiredString } from '../validation'

const TITLE_MAX = 500

/** Todos and their comments. Another user's todo answers 404, exactly like a missing one. */
export function todoRoutes(router: Router, services: Services): void {
  const { store } = services

  router.on('GET', '/api/todos', async ({ req }) => {
    const user = await requireUser(services, req)
    return [200, await store.listTodos(user.id)]
  })

  router.on('POST', '/api/todos', async ({ req }) => {
    const user = await requireUser(services, req)
    const body = await readJson(req)
    const title = requiredString(body, 'title', { max: TITLE_MAX })
    const done = optionalBoolean(body, 'done') ?? false
    const result = await store.createTodo(user.id, { title, done }, services.quota)
    if (!result.ok) {
      if (result.reason === 'quota_exceeded')
        return [403, { error: 'quota_exceeded', limit: user.premium ? services.quota.premium : services.quota.regular }]
      return [401, { error: 'invalid or expired token' }]
    }
    const todo = result.todo
    await services.events?.todoCreated(todo)
    services.webhooks?.todoCreated(todo)
    return [201, todo]
  })

  router.on('GET', '/api/todos/:id', async ({ req, params }) => {
    const user = await requireUser(services, req)
    const id = idParam(params.id, 'todo')
    const { cache } = services
    if (!cache) {
      const todo = await store.getTodo(user.id, id)
      if (!todo) throw notFound('todo not found')
      return [200, todo]
    }
    const cached = await cache.get(id)
    if (cached) {
      if (cached.userId !== user.id) throw notFound('todo not found')
      return [200, cached, { 'x-cache': 'hit' }]
    }
    const todo = await store.getTodo(user.id, id)
    if (!todo) return [404, { error: 'todo not found' }, { 'x-cache': 'miss' }]
    await cache.set(todo)
    return [200, todo, { 'x-cache': 'miss' }]
  })

  router.on('PATCH', '/api/todos/:id', async ({ req, params }) => {
    const user = await requireUser(services, req)
    const id = idParam(params.id, 'todo')
    const body = await readJson(req)
    const patch = { title: optionalString(body, 'title', { max: TITLE_MAX }), done: optionalBoolean(body, 'done') }
    if (patch.title === undefined && patch.done === undefined) throw invalid('title', 'set title and/or done')
    const todo = await store.updateTodo(user.id, id, patch)
    if (!todo) throw notFound('todo not found')
    await services.cache?.invalidate(id)
    return [200, todo]
  })

  router.on('DELETE', '/api/todos/:id', async ({ req, params }) => {
    const user = await requireUser(services, req)
    const id = idParam(params.id, 'todo')
    if (!(await store.deleteTodo(user.id, id))) throw notFound('todo not found')
    await services.cache?.invalidate(id)
    return [204]
  })

  router.on('POST', '/api/todos/:id/comments', async ({ req, params }) => {
    const user = await requireUser(services, req)
    const id = idParam(params.id, 'todo')
    const text = requiredString(await readJson(req), 'text', { max: 2000 })
    const comment = await store.addComment(user.id, id, text)
    if (!comment) throw notFound('todo not found')
    return [201, comment]
  })

  router.on('GET', '/api/todos/:id/comments', async ({ req, params }) => {
    const user = await requireUser(services, req)
    const comments = await store.listComments(user.id, idParam(params.id, 'todo'))
    if (!comments) throw notFound('todo not found')
    return [200, comments]
  })
}
