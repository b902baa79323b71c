import type { Request } from 'express';
import type { z } from 'zod';
import { AppError } from '../errors.ts';

/** Validates a JSON body, or answers 400 BAD_REQUEST naming what is wrong and showing an example. */
export function parseBody<T>(schema: z.ZodType<T>, req: Request, example: string): T {
  const r = schema.safeParse(req.body);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  const where = first?.path.length ? `${first.path.join('.')}: ` : '';
  throw new AppError(
    400,
    'BAD_REQUEST',
    `${where}${first?.message ?? 'invalid body'}. Send JSON like ${example}.`,
  );
}
