import { Router } from 'express';
import type { HealthAnswer } from '../../shared/httpApi.ts';

/** GET /api/health: this node's role, name, the seq its live copy is at, and the mosaic's epoch. */
export function healthRoute(health: () => HealthAnswer): Router {
  const r = Router();
  r.get('/api/health', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(health());
  });
  return r;
}
