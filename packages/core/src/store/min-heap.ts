/**
 * A binary min-heap on expiresAt, kept as a plain array (children of i at 2i+1 and 2i+2). The
 * memory store sweeps by popping only what has expired, so expiry never scans every session.
 */

/** One scheduled expiry; `seq` tells a stale node (its entry was rewritten since) from a live one. */
export interface HeapNode {
  expiresAt: number;
  key: string;
  seq: number;
}

export function heapPush(heap: HeapNode[], node: HeapNode): void {
  heap.push(node);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if ((heap[parent] as HeapNode).expiresAt <= node.expiresAt) break;
    heap[i] = heap[parent] as HeapNode;
    i = parent;
  }
  heap[i] = node;
}

export function heapPop(heap: HeapNode[]): HeapNode | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (top === undefined || last === undefined || heap.length === 0) return top;
  siftDown(heap, 0, last);
  return top;
}

function siftDown(heap: HeapNode[], start: number, node: HeapNode): void {
  let i = start;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= heap.length) break;
    const right = child + 1;
    if (right < heap.length && (heap[right] as HeapNode).expiresAt < (heap[child] as HeapNode).expiresAt) {
      child = right;
    }
    if ((heap[child] as HeapNode).expiresAt >= node.expiresAt) break;
    heap[i] = heap[child] as HeapNode;
    i = child;
  }
  heap[i] = node;
}

export function heapify(heap: HeapNode[]): void {
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(heap, i, heap[i] as HeapNode);
}
