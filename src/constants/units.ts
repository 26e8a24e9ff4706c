// Units as messages spell them.

const BYTES_PER_KIB = 1024;

/** `4096` as `4 KiB` (IEC 80000-13 binary prefix); whole KiB when it divides evenly, else bytes. */
export function kibibytes(bytes: number): string {
  return bytes % BYTES_PER_KIB === 0 ? `${bytes / BYTES_PER_KIB} KiB` : `${bytes} bytes`;
}
