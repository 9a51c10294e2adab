import fs from "node:fs";

/** Marks are kept this far apart, in bytes: a busy connection keeps a few dozen at most. */
const MARK_SPACING_BYTES = 256 * 1024;

/** Past this, a buffer's configured maximum is not what a peer that stopped reading gets. */
const BUFFER_COUNTED_AT_MOST = 8 * 1024 * 1024;
/**
 * The most the kernel can hold between us and a peer's reads: its send buffer here and the
 * peer's receive buffer (Linux's autotuning maxima, 4 and 6 MiB by default; at most 8 each).
 */
export const KERNEL_BUFFER_BYTES = tcpBufferMax("tcp_wmem") + tcpBufferMax("tcp_rmem");

/**
 * Where delivery stood at points along a connection's output, by bytes the kernel had
 * taken. After a reset or a cut-off, what the kernel held may never reach the peer, so what
 * counts as seen is what stood a kernel's worth of bytes back.
 */
export class DeliveryMarks {
  /**
   * Oldest first; the first is where the connection started. Null while that is the only
   * one, at byte 0 (`#startPosition`): a connection that never sent 256 KiB, as an idle one,
   * keeps no array for it.
   */
  #marks: Array<{ bytes: number; position: string }> | null = null;
  #startPosition: string;

  constructor(startPosition: string) {
    this.#startPosition = startPosition;
  }

  /** Everything up to `position` was taken by the kernel by byte `bytes`; called per write, so mostly a compare. */
  record(bytes: number, position: string): void {
    const lastBytes = this.#marks === null ? 0 : this.#marks[this.#marks.length - 1].bytes;
    if (bytes - lastBytes < MARK_SPACING_BYTES) return;
    this.#marks ??= [{ bytes: 0, position: this.#startPosition }];
    const marks = this.#marks;
    marks.push({ bytes, position });
    // Only the newest mark at least KERNEL_BUFFER_BYTES back will be asked for; older ones go.
    const oldestNeeded = bytes - KERNEL_BUFFER_BYTES;
    while (marks.length > 1 && marks[1].bytes <= oldestNeeded) marks.shift();
  }

  /**
   * Older messages are being sent now (a catch-up from `position`): until they are out,
   * no point of the output stands later than that.
   */
  lowerTo(position: string): void {
    if (this.#marks === null) {
      if (position < this.#startPosition) this.#startPosition = position;
      return;
    }
    for (const mark of this.#marks) if (position < mark.position) mark.position = position;
  }

  /** Where delivery stood when the kernel had taken at most `bytes`; the first mark is at 0, so there is always one. */
  positionAt(bytes: number): string {
    if (this.#marks === null) return this.#startPosition;
    let found = this.#marks[0].position;
    for (const mark of this.#marks) {
      if (mark.bytes > bytes) break;
      found = mark.position;
    }
    return found;
  }
}

function tcpBufferMax(setting: "tcp_wmem" | "tcp_rmem"): number {
  try {
    const max = Number(fs.readFileSync(`/proc/sys/net/ipv4/${setting}`, "utf8").trim().split(/\s+/)[2]);
    return Number.isFinite(max) && max > 0 ? Math.min(max, BUFFER_COUNTED_AT_MOST) : 4 * 1024 * 1024;
  } catch {
    return 4 * 1024 * 1024;
  }
}
