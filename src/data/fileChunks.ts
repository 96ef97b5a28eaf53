import type { FileHandle } from 'node:fs/promises';

/**
 * An open file's bytes from `position` on, `size` at a time, each chunk a fresh buffer (parsers may keep
 * one: a record split across chunks).
 */
export async function* fileChunks(handle: FileHandle, position: number, size: number): AsyncGenerator<Buffer> {
  for (let at = position; ; ) {
    const buffer = Buffer.allocUnsafe(size);
    const { bytesRead } = await handle.read(buffer, 0, size, at);
    if (bytesRead === 0) return;
    at += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}
