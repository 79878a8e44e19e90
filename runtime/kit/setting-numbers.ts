// The number shapes settings are made of, shared by the actors' config slices and config/schema.ts.
import { z } from 'zod';

export const posInt = () => z.number().int().positive();
export const nonNegInt = () => z.number().int().nonnegative();
export const posNum = () => z.number().positive();
export const nonNeg = () => z.number().nonnegative();
/** A fraction from 0 to 1. */
export const unit = () => z.number().min(0).max(1);
