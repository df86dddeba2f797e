/**
 * WebGPU's numeric flags, spelled out so the backend does not depend on the `GPUBufferUsage` and
 * `GPUMapMode` globals (absent in Node until dawn.node's globals are installed).
 *
 * @module
 */

/** `GPUBufferUsage` bits (WebGPU §5.1). */
export const BufferUsage = {
  mapRead: 0x0001,
  copySource: 0x0004,
  copyDestination: 0x0008,
  uniform: 0x0040,
  storage: 0x0080,
  indirect: 0x0100,
  queryResolve: 0x0200,
} as const;

/** `GPUMapMode.READ`. */
export const mapModeRead = 0x0001;

/** The usage of the backend's storage arrays: bound as storage, copied to and from. */
export const storageUsage = BufferUsage.storage | BufferUsage.copySource | BufferUsage.copyDestination;
