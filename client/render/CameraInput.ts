import type { MosaicBoard } from './MosaicBoard.ts';

/**
 * Wheel, drag, pinch and keyboard (+/-/arrows/0) control of a board's camera,
 * and taps (a press that did not move) reported as tile picks.
 */
export function bindCameraInput(
  board: MosaicBoard,
  el: HTMLElement = board.canvas,
  /** False when the page binds the keys itself (the viewer's focus cell). */
  keys = true,
): () => void {
  const pointers = new Map<number, { x: number; y: number }>();
  let downAt = { x: 0, y: 0, t: 0 };
  let moved = false;
  let pinchDist = 0;
  el.tabIndex = 0;
  el.style.touchAction = 'none';

  const local = (e: { clientX: number; clientY: number }): { x: number; y: number } => {
    const r = el.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };

  const onWheel = (e: WheelEvent): void => {
    e.preventDefault();
    const p = local(e);
    const dy = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
    board.zoomBy(Math.exp(-dy * 0.0015), p.x, p.y);
  };

  const onDown = (e: PointerEvent): void => {
    el.setPointerCapture?.(e.pointerId);
    const p = local(e);
    pointers.set(e.pointerId, p);
    if (pointers.size === 1) {
      downAt = { ...p, t: performance.now() };
      moved = false;
    }
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()] as [{ x: number; y: number }, { x: number; y: number }];
      pinchDist = Math.hypot(a.x - b.x, a.y - b.y);
      moved = true;
    }
  };

  const onMove = (e: PointerEvent): void => {
    const prev = pointers.get(e.pointerId);
    if (!prev) return;
    const p = local(e);
    if (pointers.size === 1) {
      if (Math.hypot(p.x - downAt.x, p.y - downAt.y) > 6) moved = true;
      if (moved) board.panBy(p.x - prev.x, p.y - prev.y);
    } else if (pointers.size === 2) {
      pointers.set(e.pointerId, p);
      const [a, b] = [...pointers.values()] as [{ x: number; y: number }, { x: number; y: number }];
      const d = Math.hypot(a.x - b.x, a.y - b.y);
      if (pinchDist > 0 && d > 0) {
        board.zoomBy(d / pinchDist, (a.x + b.x) / 2, (a.y + b.y) / 2);
        board.panBy((p.x - prev.x) / 2, (p.y - prev.y) / 2);
      }
      pinchDist = d;
      return;
    }
    pointers.set(e.pointerId, p);
  };

  /** A tap: the tile there, and the cell (the page loads a cell the board does not hold yet). */
  const tapAt = (x: number, y: number): void => {
    const cell = board.cellAtScreen(x, y);
    board.onTap?.(cell === null ? null : board.tileInCell(cell), cell);
  };

  const onUp = (e: PointerEvent): void => {
    const had = pointers.delete(e.pointerId);
    if (pointers.size < 2) pinchDist = 0;
    if (!had || pointers.size > 0) return;
    if (!moved && performance.now() - downAt.t < 600) tapAt(downAt.x, downAt.y);
  };

  const onKey = (e: KeyboardEvent): void => {
    const step = 80;
    switch (e.key) {
      case '+':
      case '=':
        board.zoomBy(1.5);
        break;
      case '-':
      case '_':
        board.zoomBy(1 / 1.5);
        break;
      case 'ArrowLeft':
        board.panBy(step, 0);
        break;
      case 'ArrowRight':
        board.panBy(-step, 0);
        break;
      case 'ArrowUp':
        board.panBy(0, step);
        break;
      case 'ArrowDown':
        board.panBy(0, -step);
        break;
      case '0':
        board.overview();
        break;
      case 'Enter':
      case ' ': {
        const v = board.viewport;
        tapAt(v.width / 2, v.height / 2);
        break;
      }
      default:
        return;
    }
    e.preventDefault();
  };

  el.addEventListener('wheel', onWheel, { passive: false });
  el.addEventListener('pointerdown', onDown);
  el.addEventListener('pointermove', onMove);
  el.addEventListener('pointerup', onUp);
  el.addEventListener('pointercancel', onUp);
  if (keys) el.addEventListener('keydown', onKey);
  return () => {
    el.removeEventListener('wheel', onWheel);
    el.removeEventListener('pointerdown', onDown);
    el.removeEventListener('pointermove', onMove);
    el.removeEventListener('pointerup', onUp);
    el.removeEventListener('pointercancel', onUp);
    el.removeEventListener('keydown', onKey);
  };
}
