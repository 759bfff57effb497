import type { Socket } from 'node:net'

/**
 * Write a protocol message, gathering every message written in the same tick into one write: an answer
 * is a handful of small messages (ParseComplete, BindComplete, RowDescription, DataRows, CommandComplete,
 * ReadyForQuery) and the messages of one upstream packet are relayed in one go, so one system call carries
 * them instead of one each. Uncorked on the next tick, before any I/O: no message waits for a later one.
 */
export function writeCoalesced(socket: Socket, data: Buffer): void {
  if (socket.writableCorked === 0) {
    socket.cork()
    process.nextTick(uncork, socket)
  }
  socket.write(data)
}

function uncork(socket: Socket): void {
  socket.uncork()
}
