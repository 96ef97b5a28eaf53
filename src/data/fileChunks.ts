/** What is read from: an open file (node:fs/promises FileHandle), described here so the declaration needs no Node types. */
export interface ReadableFile {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

/**
 * An open file's bytes from `position` on, `size` at a time, each chunk a fresh buffer (parsers may keep
 * one: a record split across chunks). Uint8Array, as the parsers take, so their declarations need no Node types.
 */
export async function* fileChunks(handle: ReadableFile, position: number, size: number): AsyncGenerator<Uint8Array> {
  for (let at = position; ; ) {
    const buffer = Buffer.allocUnsafe(size);
    const { bytesRead } = await handle.read(buffer, 0, size, at);
    if (bytesRead === 0) return;
    at += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}
