// Types of the browser module mask-raster.js, for the tests that run its pure parts in Node.
export interface Point {
  x: number;
  y: number;
}
export type MaskOp =
  | { tool: 'rect'; x: number; y: number; w: number; h: number }
  | { tool: 'lasso'; points: Point[] }
  | { tool: 'brush' | 'erase'; size: number; points: Point[] }
  | { tool: 'clear' };
export function toImageCoords(
  clientX: number,
  clientY: number,
  rect: { left: number; top: number; width: number; height: number },
  width: number,
  height: number
): Point;
export function dragRect(a: Point, b: Point): { x: number; y: number; w: number; h: number };
export function drawOp(ctx: unknown, op: MaskOp): void;
export function renderOps(ctx: unknown, ops: MaskOp[]): void;
export function threshold(data: Uint8ClampedArray | Uint8Array): number;
export class OpHistory {
  ops: { tool: string }[];
  undone: { tool: string }[];
  push(op: { tool: string }): void;
  undo(): void;
  redo(): void;
  readonly canUndo: boolean;
  readonly canRedo: boolean;
}
export const ZOOM_STEPS: number[];
export function fitZoom(width: number, height: number, availWidth: number, availHeight: number): number;
export function stepZoom(zoom: number, dir: 1 | -1): number;
